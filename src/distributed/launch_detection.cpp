#include <cstdlib>
#include <string>

#include "distributed/rank_group.h"

namespace barforge {

namespace {

// The value of `name` as a count, 0 if unset or not a number.
int EnvCount(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return 0;
  char* end = nullptr;
  const long count = std::strtol(value, &end, 10);
  return end != value && *end == '\0' && count > 0 && count < (1 << 30) ? static_cast<int>(count) : 0;
}

}  // namespace

int LauncherWorldSize() {
  // OpenMPI's mpirun sets OMPI_COMM_WORLD_SIZE, MPICH's launchers and srun
  // with PMI2 set PMI_SIZE; srun with PMIx sets PMIX_RANK, and Slurm the
  // step's task count.
  if (const int size = EnvCount("OMPI_COMM_WORLD_SIZE")) return size;
  if (const int size = EnvCount("PMI_SIZE")) return size;
  if (std::getenv("PMIX_RANK") != nullptr) {
    const int size = EnvCount("SLURM_STEP_NUM_TASKS");
    return size > 0 ? size : -1;
  }
  return 0;
}

bool LaunchedByMpi() {
  // One process started by a launcher (mpirun -np 1, a plain `srun
  // barforge build`) is one process, exactly as without a launcher.
  const int size = LauncherWorldSize();
  return size > 1 || size < 0;
}

}  // namespace barforge
