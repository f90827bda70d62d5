#include <cstdlib>

#include "distributed/rank_group.h"

namespace barforge {

bool LaunchedByMpi() {
  // OpenMPI's mpirun sets OMPI_COMM_WORLD_SIZE; Slurm's srun with PMIx or
  // PMI2 and MPICH's launchers set PMIX_RANK / PMI_SIZE. A process started
  // by none of them is one process, exactly as without MPI.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

}  // namespace barforge
