#include "features/exact_sum.h"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace barforge {

void ExactSum::Add(double x) {
  size_t kept = 0;
  for (size_t i = 0; i < size_; ++i) {
    double y = partials_[i];
    if (std::abs(x) < std::abs(y)) std::swap(x, y);
    const double hi = x + y;
    const double lo = y - (hi - x);  // exact error of hi (Fast2Sum, |x| >= |y|)
    if (lo != 0.0) partials_[kept++] = lo;
    x = hi;
  }
  // Consecutive partials differ in exponent by at least 53, so finite
  // doubles never need more than ~40; reaching the bound is a bug.
  if (kept == kMaxPartials) throw std::logic_error("ExactSum: more partials than finite doubles allow");
  partials_[kept] = x;
  size_ = kept + 1;
}

void ExactSum::AddProduct(double a, double b) {
  const double product = a * b;
  Add(product);
  Add(std::fma(a, b, -product));
}

void ExactSum::AddScaled(const ExactSum& other, double factor) {
  for (size_t i = 0; i < other.size_; ++i) AddProduct(other.partials_[i], factor);
}

void ExactSum::Merge(const ExactSum& other) {
  for (size_t i = 0; i < other.size_; ++i) Add(other.partials_[i]);
}

ExactSum ExactSum::FromPartials(std::span<const double> partials) {
  // Adding them one by one re-checks what came from outside and gives the
  // same exact sum (the partials of a sum add up to it exactly).
  ExactSum sum;
  for (const double x : partials) sum.Add(x);
  return sum;
}

double ExactSum::Result() const {
  size_t n = size_;
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
  // remainder = sum - quotient * count, exactly.
  ExactSum remainder = *this;
  remainder.AddProduct(-quotient, count);
  return quotient + remainder.Result() / count;
}

}  // namespace barforge
