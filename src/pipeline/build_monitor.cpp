#include "pipeline/build_monitor.h"

#include <thread>
#include <utility>

namespace barforge {

const char* BuildPhaseName(BuildPhase phase) {
  switch (phase) {
    case BuildPhase::kRawData: return "raw data";
    case BuildPhase::kPrepare: return "preparing";
    case BuildPhase::kScaler: return "fitting scaler";
    case BuildPhase::kWriting: return "writing";
    case BuildPhase::kFinishing: return "finishing";
    case BuildPhase::kDone: return "done";
  }
  return "?";
}

void BuildMonitor::StartPhase(BuildPhase phase, int64_t total) {
  {
    const std::lock_guard lock(mutex_);
    phase_ = phase;
    total_ = total;
    phase_start_ = std::chrono::steady_clock::now();
    done_.store(0, std::memory_order_relaxed);
    phase_changed_ = true;
    BuildProgress start;
    start.phase = phase;
    start.total = total;
    start.seconds = std::chrono::duration<double>(phase_start_ - start_).count();
    starts_.push_back(start);
  }
  wake_.notify_all();
}

void BuildMonitor::Finish() {
  {
    const std::lock_guard lock(mutex_);
    finished_ = true;
  }
  wake_.notify_all();
}

BuildProgress BuildMonitor::Snapshot() const {
  const std::lock_guard lock(mutex_);
  return SnapshotLocked();
}

BuildProgress BuildMonitor::SnapshotLocked() const {
  BuildProgress progress;
  progress.phase = phase_;
  progress.total = total_;
  progress.done = std::min(done_.load(std::memory_order_relaxed), total_);
  const auto now = std::chrono::steady_clock::now();
  progress.seconds = std::chrono::duration<double>(now - start_).count();
  progress.phase_seconds = std::chrono::duration<double>(now - phase_start_).count();
  return progress;
}

std::vector<BuildProgress> BuildMonitor::TakeReports(bool with_snapshot) {
  const std::lock_guard lock(mutex_);
  std::vector<BuildProgress> reports = std::exchange(starts_, {});
  if (with_snapshot) reports.push_back(SnapshotLocked());
  return reports;
}

bool BuildMonitor::WaitForReport(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, timeout, [this] { return finished_ || phase_changed_; });
  phase_changed_ = false;
  return !finished_;
}

BuildSummary BuildMonitor::Run(const std::function<BuildSummary(BuildMonitor&)>& work,
                               const std::function<void(const BuildProgress&)>& hook,
                               std::chrono::milliseconds interval) {
  BuildMonitor monitor;
  BuildSummary result;
  std::exception_ptr work_error;
  std::thread worker([&] {
    try {
      result = work(monitor);
    } catch (...) {
      work_error = std::current_exception();
    }
    monitor.Finish();
  });
  std::exception_ptr hook_error;
  for (bool running = true; running;) {
    running = monitor.WaitForReport(interval);
    // Once finished, the starts the reporter had not seen yet are still
    // reported (a failed build's are not: its error is what the caller gets).
    // work_error was set before Finish(), which WaitForReport synchronised with.
    if (hook_error || (!running && work_error)) continue;
    try {
      for (const BuildProgress& report : monitor.TakeReports(running)) hook(report);
    } catch (...) {
      hook_error = std::current_exception();
      monitor.Cancel();
    }
  }
  worker.join();
  if (hook_error) std::rethrow_exception(hook_error);
  if (work_error) std::rethrow_exception(work_error);
  BuildProgress done;
  done.phase = BuildPhase::kDone;
  done.done = done.total = result.rows;
  done.seconds = result.seconds;
  hook(done);
  return result;
}

}  // namespace barforge
