#pragma once
// An exact, mergeable sum of doubles (Shewchuk's non-overlapping partials,
// as in Python's math.fsum). The sum held is exactly the sum of all values
// added, whatever their order or grouping, so Result() has the same bits for
// any split of the work.

#include <array>
#include <cstddef>
#include <span>

namespace barforge {

class ExactSum {
 public:
  /// Adds `x` exactly. `x` must be finite and partial sums must not overflow.
  void Add(double x);
  /// Adds the exact product a * b (split into its rounded value and its
  /// error with an FMA; exact unless the error underflows).
  void AddProduct(double a, double b);
  /// Adds factor * (everything `other` holds), exactly (as AddProduct).
  void AddScaled(const ExactSum& other, double factor);
  /// Adds everything `other` holds, exactly.
  void Merge(const ExactSum& other);
  /// The exact sum rounded to the nearest double (ties to even).
  double Result() const;
  /// The exact sum divided by `count` (> 0, an integer below 2^53): the
  /// rounded quotient corrected once by the exact remainder, so it is the
  /// correctly rounded mean except in rare near-tie cases, and exact when
  /// the mean is representable (the mean of equal values is that value).
  double Mean(double count) const;
  /// The partials that hold the sum (at most kMaxPartials), to send it to
  /// another process; FromPartials gives back a sum holding exactly the same.
  std::span<const double> Partials() const { return {partials_.data(), size_}; }
  static ExactSum FromPartials(std::span<const double> partials);

  static constexpr size_t kMaxPartials = 64;

 private:
  // Non-overlapping partials in increasing magnitude. Doubles span about
  // 2100 bits, so at most ~40 partials can be non-overlapping; 64 is ample.
  std::array<double, kMaxPartials> partials_{};
  size_t size_ = 0;
};

}  // namespace barforge
