#include "pipeline/arrow_schema.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string_view>

namespace barforge {

namespace {

// A minimal flatbuffers writer laid out front to back: a table's vtable sits
// just before it, and every object a table, vector or string points to is
// written after it (flatbuffers offsets are unsigned and point forward).
// Scalars are aligned to their size from the buffer's start.
class FlatWriter {
 public:
  using Child = std::function<size_t(FlatWriter&)>;  // writes an object, returns its position

  struct Field {
    enum Kind { kScalar, kOffset } kind = kScalar;
    size_t size = 0;      // kScalar: 1, 2, 4 or 8
    uint64_t value = 0;   // kScalar
    Child child;          // kOffset
  };

  static Field U8(uint8_t v) { return {Field::kScalar, 1, v, {}}; }
  static Field I16(int16_t v) { return {Field::kScalar, 2, static_cast<uint16_t>(v), {}}; }
  static Field I32(int32_t v) { return {Field::kScalar, 4, static_cast<uint32_t>(v), {}}; }
  static Field I64(int64_t v) { return {Field::kScalar, 8, static_cast<uint64_t>(v), {}}; }
  static Field Offset(Child child) { return {Field::kOffset, 4, 0, std::move(child)}; }
  static Field Absent() { return {Field::kScalar, 0, 0, {}}; }

  /// The buffer: a root offset then `root` (a table writer).
  static std::string Finish(const Child& root) {
    FlatWriter w;
    w.Pad(4);  // root uoffset
    const size_t target = root(w);
    w.Patch(0, target);
    w.Align(8);
    return w.bytes_;
  }

  /// A table of `fields` (by field id; Absent() leaves one out).
  size_t Table(const std::vector<Field>& fields) {
    // Layout: scalars by decreasing size after the 4-byte vtable offset.
    std::vector<size_t> field_at(fields.size(), 0);
    size_t table_size = 4;
    for (size_t size : {8, 4, 2, 1}) {
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].size != size) continue;
        table_size = (table_size + size - 1) / size * size;
        field_at[i] = table_size;
        table_size += size;
      }
    }
    const size_t vtable_size = 4 + 2 * fields.size();
    Align(2);
    const size_t vtable = bytes_.size();
    // The table must start 8-aligned (its 8-byte fields are aligned to it);
    // pad before the vtable so that the table follows it directly.
    size_t table = vtable + vtable_size;
    const size_t padding = (8 - table % 8) % 8;
    Pad(padding);
    const size_t vtable_at = vtable + padding;
    table = vtable_at + vtable_size;
    Pad(vtable_size + table_size);
    Write16(vtable_at, static_cast<uint16_t>(vtable_size));
    Write16(vtable_at + 2, static_cast<uint16_t>(table_size));
    for (size_t i = 0; i < fields.size(); ++i) Write16(vtable_at + 4 + 2 * i, static_cast<uint16_t>(field_at[i]));
    Write32(table, static_cast<uint32_t>(table - vtable_at));  // soffset: vtable = table - soffset
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].kind == Field::kScalar && fields[i].size > 0) {
        std::memcpy(&bytes_[table + field_at[i]], &fields[i].value, fields[i].size);  // little-endian host
      }
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].kind == Field::kOffset) Patch(table + field_at[i], fields[i].child(*this));
    }
    return table;
  }

  /// A vector of offsets to `children`.
  size_t Vector(const std::vector<Child>& children) {
    Align(4);
    const size_t at = bytes_.size();
    Pad(4 + 4 * children.size());
    Write32(at, static_cast<uint32_t>(children.size()));
    for (size_t i = 0; i < children.size(); ++i) Patch(at + 4 + 4 * i, children[i](*this));
    return at;
  }

  size_t String(std::string_view text) {
    Align(4);
    const size_t at = bytes_.size();
    Pad(4);
    Write32(at, static_cast<uint32_t>(text.size()));
    bytes_.append(text);
    bytes_.push_back('\0');
    return at;
  }

 private:
  void Pad(size_t n) { bytes_.append(n, '\0'); }
  void Align(size_t n) { Pad((n - bytes_.size() % n) % n); }
  void Write16(size_t at, uint16_t v) { std::memcpy(&bytes_[at], &v, 2); }
  void Write32(size_t at, uint32_t v) { std::memcpy(&bytes_[at], &v, 4); }
  void Patch(size_t at, size_t target) { Write32(at, static_cast<uint32_t>(target - at)); }

  std::string bytes_;
};

using F = FlatWriter;

// Arrow's Schema.fbs / Message.fbs numbers.
constexpr uint8_t kTypeInt = 2, kTypeFloatingPoint = 3, kTypeUtf8 = 5, kTypeBool = 6, kTypeTimestamp = 10,
                  kTypeFixedSizeList = 16;
constexpr int16_t kPrecisionSingle = 1, kPrecisionDouble = 2;
constexpr int16_t kMetadataV5 = 4;
constexpr uint8_t kHeaderSchema = 1;

F::Child ArrowField(std::string name, uint8_t type_id, F::Child type, std::vector<F::Child> children = {}) {
  return [=](F& w) {
    return w.Table({
        F::Offset([name](F& x) { return x.String(name); }),      // name
        F::U8(0),                                                  // nullable: false
        F::U8(type_id),                                            // type_type
        F::Offset(type),                                           // type
        F::Absent(),                                               // dictionary
        F::Offset([children](F& x) { return x.Vector(children); }),  // children
    });
  };
}

F::Child FloatType(int16_t precision) {
  return [precision](F& w) { return w.Table({F::I16(precision)}); };
}

// The field of a column of the scalar type `type` (and `unit`, for a timestamp).
F::Child ScalarField(const std::string& name, parquet::ColumnType type, parquet::TimeUnit unit) {
  using parquet::ColumnType;
  const auto integer = [&](int32_t bits) {
    return ArrowField(name, kTypeInt, [bits](F& w) { return w.Table({F::I32(bits), F::U8(1)}); });
  };
  switch (type) {
    case ColumnType::kInt64: return integer(64);
    case ColumnType::kInt32: return integer(32);
    case ColumnType::kInt16: return integer(16);
    case ColumnType::kInt8: return integer(8);
    case ColumnType::kTimestamp: {
      const int16_t code = unit == parquet::TimeUnit::kMillis ? 1 : unit == parquet::TimeUnit::kMicros ? 2 : 3;
      return ArrowField(name, kTypeTimestamp, [code](F& w) {
        return w.Table({F::I16(code), F::Offset([](F& x) { return x.String("UTC"); })});
      });
    }
    case ColumnType::kFloat:
      return ArrowField(name, kTypeFloatingPoint, FloatType(kPrecisionSingle));
    case ColumnType::kDouble:
      return ArrowField(name, kTypeFloatingPoint, FloatType(kPrecisionDouble));
    case ColumnType::kString:
      return ArrowField(name, kTypeUtf8, [](F& w) { return w.Table({}); });
    case ColumnType::kBool:
      return ArrowField(name, kTypeBool, [](F& w) { return w.Table({}); });
    case ColumnType::kFloatList:
    case ColumnType::kInt8List:
    case ColumnType::kInt16List:
    case ColumnType::kInt64List:
    case ColumnType::kBoolList: break;
  }
  throw std::logic_error("ScalarField of a list type");
}

F::Child ColumnField(const parquet::ColumnSpec& column) {
  if (!parquet::IsListType(column.type)) return ScalarField(column.name, column.type, column.unit);
  const int32_t size = column.list_size;
  return ArrowField(column.name, kTypeFixedSizeList, [size](F& w) { return w.Table({F::I32(size)}); },
                    {ScalarField("element", parquet::ElementType(column.type), column.unit)});
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t chunk = 0;
    for (size_t k = 0; k < 3; ++k) chunk = chunk << 8 | (k < n ? static_cast<uint8_t>(bytes[i + k]) : 0u);
    for (size_t k = 0; k < 4; ++k) out.push_back(k <= n ? kAlphabet[(chunk >> (18 - 6 * k)) & 63] : '=');
  }
  return out;
}

}  // namespace

std::string ArrowSchemaBase64(const std::vector<parquet::ColumnSpec>& schema) {
  std::vector<F::Child> fields;
  for (const parquet::ColumnSpec& column : schema) fields.push_back(ColumnField(column));
  const std::string message = F::Finish([&](F& w) {
    return w.Table({
        F::I16(kMetadataV5),  // version
        F::U8(kHeaderSchema),  // header_type
        F::Offset([&](F& x) {  // header: Schema
          return x.Table({F::I16(0), F::Offset([&](F& y) { return y.Vector(fields); })});  // little endian, fields
        }),
        F::I64(0),  // bodyLength
    });
  });
  // Encapsulated IPC message: continuation marker, metadata length, metadata.
  std::string framed(8, '\0');
  const uint32_t marker = 0xFFFFFFFFu, length = static_cast<uint32_t>(message.size());
  std::memcpy(framed.data(), &marker, 4);
  std::memcpy(framed.data() + 4, &length, 4);
  framed += message;
  return Base64(framed);
}

}  // namespace barforge
