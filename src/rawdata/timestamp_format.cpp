#include <chrono>
#include <string>

#include <fmt/format.h>

#include "barforge/timestamp.h"

namespace barforge {

std::string FormatTimestampNs(int64_t timestamp_ns) {
  using namespace std::chrono;
  const sys_time<nanoseconds> time{nanoseconds(timestamp_ns)};
  const sys_days day = floor<days>(time);
  const year_month_day date(day);
  const hh_mm_ss<nanoseconds> clock(time - day);
  std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(date.year()),
                                 static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                                 clock.hours().count(), clock.minutes().count(), clock.seconds().count());
  int64_t fraction = clock.subseconds().count();
  if (fraction != 0) {
    int digits = 9;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --digits;
    }
    text += fmt::format(".{:0{}}", fraction, digits);
  }
  return text + "Z";
}

}  // namespace barforge
