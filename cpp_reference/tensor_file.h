// Reads and writes the runners' tensor file: a list of tensors of several dtypes and shapes.
// The Python side (migrate/cpp/tensor_file.py) writes and reads the same bytes.
//
// Layout, all integers little-endian (README.md has the table):
//   magic    8 bytes  "TMTENSOR"
//   version  u32      1
//   count    u32      number of tensors (at most kMaxTensors)
//   then, per tensor:
//     dtype  u8       code from kDtypes below
//     ndim   u8       0..kMaxDims (0 = a 0-d tensor)
//     pad    u16      0
//     dims   i64[ndim], each >= 0
//     nbytes u64      numel * element size, checked
//     data   nbytes   C-contiguous, little-endian; bool bytes are 0 or 1
//   nothing after the last tensor.
//
// Every malformed file throws TensorFileError naming the file, the tensor and the byte offset.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace tensor_file {

constexpr char kMagic[8] = {'T', 'M', 'T', 'E', 'N', 'S', 'O', 'R'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxTensors = 4096;
constexpr uint8_t kMaxDims = 16;

struct DtypeCode {
  uint8_t code;
  at::ScalarType type;
  const char* name;
};

// The codes are part of the file format: never renumber them.
constexpr DtypeCode kDtypes[] = {
    {0, at::kBool, "bool"},        {1, at::kByte, "uint8"},       {2, at::kChar, "int8"},
    {3, at::kShort, "int16"},      {4, at::kInt, "int32"},        {5, at::kLong, "int64"},
    {6, at::kHalf, "float16"},     {7, at::kBFloat16, "bfloat16"}, {8, at::kFloat, "float32"},
    {9, at::kDouble, "float64"},
};

class TensorFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

inline bool little_endian_host() {
  const uint16_t one = 1;
  uint8_t first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// A bounds-checked cursor over the file's bytes.
class Reader {
 public:
  Reader(const std::vector<char>& bytes, std::string path) : bytes_(bytes), path_(std::move(path)) {}

  template <typename T>
  T read(const char* what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));
    return value;
  }

  const char* take(size_t n, const char* what) {
    if (n > bytes_.size() - pos_) {
      fail(std::string("file ends inside ") + what + " (needs " + std::to_string(n) + " bytes, " +
           std::to_string(bytes_.size() - pos_) + " left)");
    }
    const char* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw TensorFileError(path_ + ": invalid tensor file at byte " + std::to_string(pos_) + ": " + reason);
  }

  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  const std::vector<char>& bytes_;
  std::string path_;
  size_t pos_ = 0;
};

}  // namespace detail

inline const DtypeCode* find_code(uint8_t code) {
  for (const auto& d : kDtypes) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

inline const DtypeCode* find_type(at::ScalarType type) {
  for (const auto& d : kDtypes) {
    if (d.type == type) return &d;
  }
  return nullptr;
}

inline std::vector<at::Tensor> read(const std::string& path) {
  if (!detail::little_endian_host()) throw TensorFileError("tensor files need a little-endian host");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TensorFileError(path + ": cannot open for reading");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  detail::Reader r(bytes, path);

  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    r.fail("not a tensor file (magic \"TMTENSOR\" missing)");
  }
  r.take(sizeof(kMagic), "magic");
  const auto version = r.read<uint32_t>("version");
  if (version != kVersion) r.fail("unsupported version " + std::to_string(version) + " (this reader knows 1)");
  const auto count = r.read<uint32_t>("tensor count");
  if (count > kMaxTensors) r.fail("tensor count " + std::to_string(count) + " over the limit of 4096");

  std::vector<at::Tensor> tensors;
  tensors.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const std::string which = "tensor " + std::to_string(i);
    const auto code = r.read<uint8_t>("dtype");
    const DtypeCode* dtype = find_code(code);
    if (!dtype) r.fail(which + ": unknown dtype code " + std::to_string(code));
    const auto ndim = r.read<uint8_t>("ndim");
    if (ndim > kMaxDims) r.fail(which + ": " + std::to_string(ndim) + " dimensions, at most 16");
    if (r.read<uint16_t>("padding") != 0) r.fail(which + ": padding bytes are not zero");

    std::vector<int64_t> shape(ndim);
    const uint64_t element_size = at::elementSize(dtype->type);
    uint64_t expected = element_size;
    for (auto& d : shape) {
      d = r.read<int64_t>("dims");
      if (d < 0) r.fail(which + ": negative dimension " + std::to_string(d));
      if (d != 0 && expected > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) {
        r.fail(which + ": shape too large");
      }
      expected *= static_cast<uint64_t>(d);
    }
    const auto nbytes = r.read<uint64_t>("nbytes");
    if (nbytes != expected) {
      r.fail(which + ": nbytes " + std::to_string(nbytes) + " does not match its shape and dtype (" +
             std::to_string(expected) + ")");
    }
    const char* data = r.take(nbytes, "tensor data");
    if (dtype->type == at::kBool) {
      for (uint64_t k = 0; k < nbytes; ++k) {
        if (data[k] != 0 && data[k] != 1) r.fail(which + ": bool byte that is neither 0 nor 1");
      }
    }
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype->type));
    if (nbytes > 0) std::memcpy(t.data_ptr(), data, nbytes);
    tensors.push_back(std::move(t));
  }
  if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " unexpected bytes after the last tensor");
  return tensors;
}

inline void write(const std::string& path, const std::vector<at::Tensor>& tensors) {
  if (!detail::little_endian_host()) throw TensorFileError("tensor files need a little-endian host");
  if (tensors.size() > kMaxTensors) throw TensorFileError(path + ": more than 4096 tensors");
  std::string out(kMagic, sizeof(kMagic));
  auto put = [&out](const auto& value) { out.append(reinterpret_cast<const char*>(&value), sizeof(value)); };
  put(kVersion);
  put(static_cast<uint32_t>(tensors.size()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const DtypeCode* dtype = find_type(tensors[i].scalar_type());
    if (!dtype) {
      throw TensorFileError(path + ": tensor " + std::to_string(i) + " has dtype " +
                            std::string(c10::toString(tensors[i].scalar_type())) +
                            ", which the tensor file format does not support");
    }
    if (tensors[i].dim() > kMaxDims) {
      throw TensorFileError(path + ": tensor " + std::to_string(i) + " has more than 16 dimensions");
    }
    const at::Tensor t = tensors[i].to(at::kCPU).contiguous();
    put(dtype->code);
    put(static_cast<uint8_t>(t.dim()));
    put(static_cast<uint16_t>(0));
    for (int64_t d : t.sizes()) put(d);
    const uint64_t nbytes = t.numel() * t.element_size();
    put(nbytes);
    if (nbytes > 0) out.append(static_cast<const char*>(t.const_data_ptr()), nbytes);
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw TensorFileError(path + ": cannot open for writing");
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!file) throw TensorFileError(path + ": write failed");
}

}  // namespace tensor_file
