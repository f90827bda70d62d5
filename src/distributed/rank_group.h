#pragma once
// The processes of an MPI job, as a distributed build uses them: every rank
// contributes one record of the same size and receives all of them. Built
// without MPI, JoinMpiJob() finds no job (and refuses a process that an MPI
// launcher started, which would otherwise write the whole dataset R times).

#include <memory>
#include <string>
#include <vector>

namespace barforge {

class RankGroup {
 public:
  virtual ~RankGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Every rank passes a record of the same size; all of them come back, in
  /// rank order, on every rank.
  virtual std::vector<std::string> AllGather(const std::string& record) = 0;
  /// Ends the whole job at once (for a rank that cannot take part any more).
  [[noreturn]] virtual void Abort(int exit_code) = 0;
};

/// The number of processes an MPI launcher (mpirun, mpiexec, srun) started
/// with this one, from the variables it sets: 0 if none started it, -1 if
/// one did but did not say how many.
int LauncherWorldSize();

/// True if an MPI launcher started this process among others (or did not
/// say how many): LauncherWorldSize() > 1 or -1. A single process started
/// by a launcher is one process, as without it.
bool LaunchedByMpi();

/// Initialises MPI and returns the job's ranks if LaunchedByMpi(), nullptr
/// otherwise. Destroying the group finalises MPI. The group may turn out to
/// have one rank (a launcher that did not say how many).
std::unique_ptr<RankGroup> JoinMpiJob();

}  // namespace barforge
