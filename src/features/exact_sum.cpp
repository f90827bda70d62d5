#include "features/exact_sum.h"

#include <cmath>
#include <utility>

namespace barforge {

void ExactSum::Add(double x) {
  size_t kept = 0;
  for (double partial : partials_) {
    double y = partial;
    if (std::abs(x) < std::abs(y)) std::swap(x, y);
    const double hi = x + y;
    const double lo = y - (hi - x);  // exact error of hi (Fast2Sum, |x| >= |y|)
    if (lo != 0.0) partials_[kept++] = lo;
    x = hi;
  }
  partials_.resize(kept);
  partials_.push_back(x);
}

void ExactSum::Merge(const ExactSum& other) {
  for (double partial : other.partials_) Add(partial);
}

double ExactSum::Result() const {
  size_t n = partials_.size();
  if (n == 0) return 0.0;
  double hi = partials_[--n];
  double lo = 0.0;
  // Add partials from the largest down until the sum is inexact.
  while (n > 0) {
    const double x = hi;
    const double y = partials_[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0.0) break;
  }
  // Round half to even correctly: if the remaining partials push the
  // rounding error the same way, the tie is not a tie.
  if (n > 0 && ((lo < 0 && partials_[n - 1] < 0) || (lo > 0 && partials_[n - 1] > 0))) {
    const double y = lo * 2;
    const double x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

double ExactSum::Mean(double count) const {
  const double quotient = Result() / count;
  // remainder = sum - quotient * count, exactly: the product is split into
  // its rounded value and its exact error with an FMA.
  const double product = quotient * count;
  const double product_error = std::fma(quotient, count, -product);
  ExactSum remainder = *this;
  remainder.Add(-product);
  remainder.Add(-product_error);
  return quotient + remainder.Result() / count;
}

}  // namespace barforge
