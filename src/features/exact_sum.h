#pragma once
// An exact, mergeable sum of doubles (Shewchuk's non-overlapping partials,
// as in Python's math.fsum). The sum held is exactly the sum of all values
// added, whatever their order or grouping, so Result() has the same bits for
// any split of the work.

#include <vector>

namespace barforge {

class ExactSum {
 public:
  /// Adds `x` exactly. `x` must be finite and partial sums must not overflow.
  void Add(double x);
  /// Adds everything `other` holds, exactly.
  void Merge(const ExactSum& other);
  /// The exact sum rounded to the nearest double (ties to even).
  double Result() const;
  /// The exact sum divided by `count` (> 0, an integer below 2^53): the
  /// rounded quotient corrected once by the exact remainder, so it is the
  /// correctly rounded mean except in rare near-tie cases, and exact when
  /// the mean is representable (the mean of equal values is that value).
  double Mean(double count) const;

 private:
  std::vector<double> partials_;  ///< non-overlapping, increasing magnitude
};

}  // namespace barforge
