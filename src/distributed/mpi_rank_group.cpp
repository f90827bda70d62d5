// Built only when CMake finds MPI. The C API only: OpenMPI's and MPICH's
// mpi.h would otherwise pull in their deprecated C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "distributed/dataset_parts.h"
#include "distributed/rank_group.h"

namespace barforge {

namespace {

void Check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw DistributedError(fmt::format("{} failed: {}", call, std::string(text, static_cast<size_t>(length))));
}

class MpiRankGroup final : public RankGroup {
 public:
  MpiRankGroup() {
    // Only the main thread calls MPI; oneTBB's workers never do.
    int provided = 0;
    Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // Errors come back as codes (and become exceptions) instead of ending
    // the job unannounced.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  }
  ~MpiRankGroup() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::string> AllGather(const std::string& record) override {
    std::string all(record.size() * static_cast<size_t>(size_), '\0');
    Check(MPI_Allgather(record.data(), static_cast<int>(record.size()), MPI_BYTE, all.data(),
                        static_cast<int>(record.size()), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgather");
    std::vector<std::string> records;
    for (int r = 0; r < size_; ++r) records.push_back(all.substr(static_cast<size_t>(r) * record.size(), record.size()));
    return records;
  }

  [[noreturn]] void Abort(int exit_code) override {
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
  }

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

std::unique_ptr<RankGroup> JoinMpiJob() {
  if (!LaunchedByMpi()) return nullptr;
  return std::make_unique<MpiRankGroup>();
}

}  // namespace barforge
