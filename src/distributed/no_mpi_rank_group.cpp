// Built when CMake finds no MPI: a build is always one process.
#include "distributed/dataset_parts.h"
#include "distributed/rank_group.h"

namespace barforge {

std::unique_ptr<RankGroup> JoinMpiJob() {
  if (LaunchedByMpi()) {
    throw DistributedError(
        "started by an MPI launcher, but this barforge was built without MPI: every process would build the whole "
        "dataset; rebuild with MPI (libopenmpi-dev) or run the parts with `barforge build --shard r/R`");
  }
  return nullptr;
}

}  // namespace barforge
