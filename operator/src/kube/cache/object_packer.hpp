#pragma once
// ObjectPacker: an object kept in as few bytes as is cheap to read back. Its
// MessagePack encoding is deflated (raw, zlib level 1) against a preset
// dictionary: the encoding of the first object the packer packed. Objects of
// one kind share most of their keys and many values (labels, images, owner
// references), so a cached child of 600-1,500 bytes of MessagePack keeps in
// 100-180 bytes, and reads back in a few microseconds more than MessagePack
// alone. The dictionary never changes, so every packed object decodes with
// the packer that made it. Single-threaded per packer (the zlib streams are
// one per thread, shared by every packer).

#include <cstddef>
#include <string>
#include <string_view>

#include "kube/json/json.hpp"

namespace labfleet::kube {

class ObjectPacker {
public:
    /// The packed bytes of `object`. The first call also fixes the dictionary.
    std::string pack(const Json& object);
    /// The object `packed` holds; throws std::runtime_error on bytes that
    /// pack() did not make (a bug: the store never hands out others).
    Json unpack(std::string_view packed) const;

    /// The dictionary's size: at most max_dictionary bytes.
    std::size_t dictionary_size() const { return dictionary_.size(); }
    /// Deflate looks back at most this far, so a longer dictionary would not be read.
    static constexpr std::size_t max_dictionary = std::size_t{1} << 13;

private:
    std::string dictionary_;
};

} // namespace labfleet::kube
