#pragma once
// Progress and cancellation of one build, shared between the threads that
// do the work and the thread that reports it (BuildOptions::on_progress).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

#include "barforge/pipeline.h"

namespace barforge {

/// Thrown inside a build once BuildMonitor::Cancel() was called; RunBuild
/// replaces it with the exception that caused the cancellation.
struct BuildCancelled : std::exception {
  const char* what() const noexcept override { return "build cancelled"; }
};

class BuildMonitor {
 public:
  BuildMonitor() : start_(std::chrono::steady_clock::now()), phase_start_(start_) {}

  /// Starts `phase` with `total` units (0: none) and wakes the reporter.
  void StartPhase(BuildPhase phase, int64_t total);
  /// Counts units done in the current phase; any thread.
  void Add(int64_t units) { done_.fetch_add(units, std::memory_order_relaxed); }
  /// Throws BuildCancelled once Cancel() was called; any thread.
  void CheckCancelled() const {
    if (cancelled_.load(std::memory_order_relaxed)) throw BuildCancelled();
  }
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  /// Marks the build finished (successfully or not) and wakes the reporter.
  void Finish();

  BuildProgress Snapshot() const;
  /// What the reporter reports when it wakes, taken at one instant: the
  /// phase starts not reported yet, oldest first (each as it was at its
  /// start), then Snapshot() if `with_snapshot`. Forgets those starts, so a
  /// reporter woken late (a loaded machine, a short phase) still reports
  /// every start, in order, and never a phase before its start.
  std::vector<BuildProgress> TakeReports(bool with_snapshot);
  /// Waits until `timeout` passed, a phase started or the build finished.
  /// Returns false once finished.
  bool WaitForReport(std::chrono::milliseconds timeout);

  /// Runs `work` (which receives this monitor) on a new thread and calls
  /// `hook` on the calling thread at each phase start and every `interval`.
  /// If the hook throws, cancels the work, waits for it to stop and
  /// rethrows the hook's exception; otherwise rethrows the work's exception.
  static BuildSummary Run(const std::function<BuildSummary(BuildMonitor&)>& work,
                          const std::function<void(const BuildProgress&)>& hook, std::chrono::milliseconds interval);

 private:
  BuildProgress SnapshotLocked() const;  // mutex_ held

  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  BuildPhase phase_ = BuildPhase::kRawData;  // guarded by mutex_
  int64_t total_ = 0;                        // guarded by mutex_
  std::chrono::steady_clock::time_point phase_start_;  // guarded by mutex_
  bool phase_changed_ = false;               // guarded by mutex_
  std::vector<BuildProgress> starts_;        // guarded by mutex_: phase starts not reported yet
  bool finished_ = false;                    // guarded by mutex_
  std::atomic<int64_t> done_{0};
  std::atomic<bool> cancelled_{false};
};

}  // namespace barforge
