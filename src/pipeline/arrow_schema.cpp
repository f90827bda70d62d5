#include "pipeline/arrow_schema.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "barforge/error.h"

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

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// A Field table; custom_metadata only when `metadata` is not empty (the
// table then has the same bytes as without the member).
F::Child ArrowField(std::string name, uint8_t type_id, F::Child type, std::vector<F::Child> children = {},
                    KeyValues metadata = {}, bool nullable = false) {
  return [=](F& w) {
    std::vector<F::Field> fields = {
        F::Offset([name](F& x) { return x.String(name); }),      // name
        F::U8(nullable ? 1 : 0),                                   // nullable
        F::U8(type_id),                                            // type_type
        F::Offset(type),                                           // type
        F::Absent(),                                               // dictionary
        F::Offset([children](F& x) { return x.Vector(children); }),  // children
    };
    if (!metadata.empty()) {
      std::vector<F::Child> pairs;
      for (const auto& [key, value] : metadata) {
        pairs.push_back([key, value](F& x) {
          return x.Table({F::Offset([key](F& y) { return y.String(key); }),
                          F::Offset([value](F& y) { return y.String(value); })});
        });
      }
      fields.push_back(F::Offset([pairs](F& x) { return x.Vector(pairs); }));  // custom_metadata
    }
    return w.Table(fields);
  };
}

F::Child FloatType(int16_t precision) {
  return [precision](F& w) { return w.Table({F::I16(precision)}); };
}

// The field of a column of the scalar type `type` (and `unit`, for a timestamp).
F::Child ScalarField(const std::string& name, parquet::ColumnType type, parquet::TimeUnit unit, bool nullable = false) {
  using parquet::ColumnType;
  const auto integer = [&](int32_t bits) {
    return ArrowField(name, kTypeInt, [bits](F& w) { return w.Table({F::I32(bits), F::U8(1)}); }, {}, {}, nullable);
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
      return ArrowField(name, kTypeFloatingPoint, FloatType(kPrecisionSingle), {}, {}, nullable);
    case ColumnType::kDouble:
      return ArrowField(name, kTypeFloatingPoint, FloatType(kPrecisionDouble));
    case ColumnType::kString:
      return ArrowField(name, kTypeUtf8, [](F& w) { return w.Table({}); });
    case ColumnType::kBool:
      return ArrowField(name, kTypeBool, [](F& w) { return w.Table({}); }, {}, {}, nullable);
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
  KeyValues metadata;
  if (!column.shape.empty()) {
    metadata = {{kShapeMetadataKey, fmt::format("[{}]", fmt::join(column.shape, ","))}};
  }
  return ArrowField(column.name, kTypeFixedSizeList, [size](F& w) { return w.Table({F::I32(size)}); },
                    {ScalarField("element", parquet::ElementType(column.type), column.unit)},
                    std::move(metadata));
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

// Reading: a bounds-checked view of a flatbuffer; any offset outside the
// buffer throws FlatError.
struct FlatError {};

class FlatReader {
 public:
  explicit FlatReader(std::string_view bytes) : bytes_(bytes) {}

  /// The table a uoffset at `at` points to.
  size_t Deref(size_t at) const { return Check(at + U32(at), 4); }
  /// The position of table `table`'s field `id`, or 0 when absent.
  size_t FieldAt(size_t table, int id) const {
    const size_t vtable = Check(table - static_cast<size_t>(static_cast<int32_t>(U32(table))), 4);
    const size_t vtable_size = U16(vtable);
    const size_t slot = 4 + 2 * static_cast<size_t>(id);
    if (slot + 2 > vtable_size) return 0;
    const size_t offset = U16(vtable + slot);
    return offset == 0 ? 0 : Check(table + offset, 1);
  }
  /// Table `table`'s field `id` as an offset to an object, or 0 when absent.
  size_t ObjectAt(size_t table, int id) const {
    const size_t at = FieldAt(table, id);
    return at == 0 ? 0 : Deref(at);
  }
  /// The elements (object positions) of the vector of tables at `vector`.
  std::vector<size_t> Tables(size_t vector) const {
    std::vector<size_t> out;
    if (vector == 0) return out;
    const size_t count = U32(vector);
    Check(vector + 4, 4 * count);
    for (size_t i = 0; i < count; ++i) out.push_back(Deref(vector + 4 + 4 * i));
    return out;
  }
  std::string_view String(size_t at) const {
    if (at == 0) return {};
    const size_t length = U32(at);
    return bytes_.substr(Check(at + 4, length), length);
  }
  uint8_t U8(size_t at) const { return static_cast<uint8_t>(bytes_[Check(at, 1)]); }
  uint32_t U32(size_t at) const { return Read<uint32_t>(at); }

 private:
  uint16_t U16(size_t at) const { return Read<uint16_t>(at); }
  template <class T>
  T Read(size_t at) const {
    T v;
    std::memcpy(&v, bytes_.data() + Check(at, sizeof(T)), sizeof(T));  // little-endian host
    return v;
  }
  size_t Check(size_t at, size_t size) const {
    if (at > bytes_.size() || size > bytes_.size() - at) throw FlatError{};
    return at;
  }

  std::string_view bytes_;
};

std::string FromBase64(std::string_view text) {
  std::string out;
  uint32_t chunk = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=') break;
    if (v < 0) throw FlatError{};
    chunk = chunk << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((chunk >> bits) & 0xFF));
    }
  }
  return out;
}

// A shape as barforge.shape holds it ([8,64,4]), or as the "shape" of an
// arrow.fixed_shape_tensor's metadata ({"shape":[8,64,4]}).
std::vector<int64_t> ShapeOf(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object() && json.contains("shape")) json = json["shape"];
  if (!json.is_array()) throw FlatError{};
  std::vector<int64_t> shape;
  for (const nlohmann::json& dimension : json) {
    if (!dimension.is_number_integer() || dimension.get<int64_t>() < 1) throw FlatError{};
    shape.push_back(dimension.get<int64_t>());
  }
  return shape;
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

namespace barforge {

std::vector<ArrowListField> ArrowListFields(std::string_view base64, const std::string& what) {
  std::vector<ArrowListField> out;
  try {
    const std::string bytes = FromBase64(base64);
    std::string_view message(bytes);
    // The encapsulated form: 0xFFFFFFFF, then the length; before Arrow 0.15, the length alone.
    const size_t skip = message.size() >= 4 && FlatReader(message).U32(0) == 0xFFFFFFFFu ? 8 : 4;
    if (message.size() < skip) throw FlatError{};
    message.remove_prefix(skip);
    const FlatReader r(message);
    const size_t root = r.Deref(0);
    if (r.FieldAt(root, 1) == 0 || r.U8(r.FieldAt(root, 1)) != kHeaderSchema) throw FlatError{};
    const size_t schema = r.ObjectAt(root, 2);
    if (schema == 0) throw FlatError{};
    for (const size_t field : r.Tables(r.ObjectAt(schema, 1))) {
      const size_t type_type = r.FieldAt(field, 2);
      if (type_type == 0 || r.U8(type_type) != kTypeFixedSizeList) continue;
      ArrowListField list;
      list.name = std::string(r.String(r.ObjectAt(field, 0)));
      const size_t type = r.ObjectAt(field, 3);
      const size_t size_at = type == 0 ? 0 : r.FieldAt(type, 0);
      list.list_size = size_at == 0 ? 0 : static_cast<int32_t>(r.U32(size_at));
      std::string_view shape, extension, extension_metadata;
      for (const size_t pair : r.Tables(r.ObjectAt(field, 6))) {
        const std::string_view key = r.String(r.ObjectAt(pair, 0));
        if (key == kShapeMetadataKey) shape = r.String(r.ObjectAt(pair, 1));
        if (key == kArrowExtensionNameKey) extension = r.String(r.ObjectAt(pair, 1));
        if (key == kArrowExtensionMetadataKey) extension_metadata = r.String(r.ObjectAt(pair, 1));
      }
      if (!shape.empty()) {
        list.shape = ShapeOf(shape);
      } else if (extension == kFixedShapeTensorName) {
        list.shape = ShapeOf(extension_metadata);
      }
      if (!list.shape.empty()) {
        int64_t product = 1;
        for (const int64_t dimension : list.shape) {
          if (product > list.list_size / dimension) {  // more values than the list has (and no overflow)
            product = -1;
            break;
          }
          product *= dimension;
        }
        if (product != list.list_size) {
          throw DataError(fmt::format("{}: ARROW:schema: field '{}': shape [{}] does not hold its {} values", what,
                                      list.name, fmt::join(list.shape, ","), list.list_size));
        }
      }
      out.push_back(std::move(list));
    }
  } catch (const FlatError&) {
    throw DataError(fmt::format("{}: the footer's ARROW:schema is not an Arrow schema message", what));
  }
  return out;
}

}  // namespace barforge
