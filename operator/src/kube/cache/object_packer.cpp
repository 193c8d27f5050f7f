#include "kube/cache/object_packer.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <vector>

namespace labfleet::kube {

namespace {

// Raw deflate (no zlib header or checksum: the bytes never leave the
// process) with an 8 KB window, the dictionary's limit. Level 1: against
// the dictionary it packs as small as level 6 (measured on cached children)
// in a third of the time.
constexpr int window_bits = 13;
constexpr int level = 1;
constexpr int memory_level = 7;  // 64 KB of hash tables, once per thread
static_assert(ObjectPacker::max_dictionary == std::size_t{1} << window_bits, "the dictionary fills the window");
// Far above what the API server stores (etcd refuses requests past 1.5 MB),
// so a size past it is never one pack() wrote.
constexpr std::size_t max_object = std::size_t{64} << 20;

const Bytef* bytes(std::string_view text) { return reinterpret_cast<const Bytef*>(text.data()); }

/// One deflate stream per thread, reset for every object: its 96 KB of
/// state are allocated once, not per object.
struct Deflater {
    z_stream stream{};
    Deflater() {
        if (deflateInit2(&stream, level, Z_DEFLATED, -window_bits, memory_level, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::bad_alloc();
    }
    ~Deflater() { deflateEnd(&stream); }
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;
};

struct Inflater {
    z_stream stream{};
    Inflater() {
        if (inflateInit2(&stream, -window_bits) != Z_OK) throw std::bad_alloc();
    }
    ~Inflater() { inflateEnd(&stream); }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
};

/// The packed form starts with the MessagePack size as a base-128 varint.
void put_size(std::string& out, std::size_t size) {
    do {
        const auto low = static_cast<unsigned char>(size & 0x7f);
        size >>= 7;
        out.push_back(static_cast<char>(size != 0 ? (low | 0x80) : low));
    } while (size != 0);
}

std::size_t take_size(std::string_view& in) {
    std::size_t size = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (in.empty()) break;
        const auto byte = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        size |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            if (size > max_object) break;
            return size;
        }
    }
    throw std::runtime_error("unpacking a cached object: bad size prefix");
}

/// Scratch buffers stay allocated between objects, but not at the size of a
/// rare large one.
template <class Buffer>
void release_if_large(Buffer& buffer) {
    constexpr std::size_t kept = std::size_t{64} << 10;
    if (buffer.capacity() > kept) Buffer().swap(buffer);
}

} // namespace

std::string ObjectPacker::pack(const Json& object) {
    thread_local Deflater deflater;
    thread_local std::vector<std::uint8_t> encoded;
    thread_local std::string out;
    encoded.clear();
    Json::to_msgpack(object, encoded);
    if (dictionary_.empty())
        dictionary_.assign(reinterpret_cast<const char*>(encoded.data()),
                           std::min(encoded.size(), max_dictionary));

    z_stream& z = deflater.stream;
    deflateReset(&z);
    if (deflateSetDictionary(&z, bytes(dictionary_), static_cast<uInt>(dictionary_.size())) != Z_OK)
        throw std::runtime_error("packing a cached object: deflateSetDictionary failed");
    out.clear();
    put_size(out, encoded.size());
    const std::size_t header = out.size();
    out.resize(header + deflateBound(&z, encoded.size()));
    z.next_in = encoded.data();
    z.avail_in = static_cast<uInt>(encoded.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data() + header);
    z.avail_out = static_cast<uInt>(out.size() - header);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("packing a cached object: deflate failed");
    std::string packed(out.data(), header + z.total_out);  // exactly sized: it is kept
    release_if_large(encoded);
    release_if_large(out);
    return packed;
}

Json ObjectPacker::unpack(std::string_view packed) const {
    thread_local Inflater inflater;
    thread_local std::vector<std::uint8_t> encoded;
    const std::size_t size = take_size(packed);
    encoded.resize(size);
    z_stream& z = inflater.stream;
    inflateReset(&z);
    if (!dictionary_.empty() &&
        inflateSetDictionary(&z, bytes(dictionary_), static_cast<uInt>(dictionary_.size())) != Z_OK)
        throw std::runtime_error("unpacking a cached object: inflateSetDictionary failed");
    z.next_in = const_cast<Bytef*>(bytes(packed));
    z.avail_in = static_cast<uInt>(packed.size());
    z.next_out = encoded.data();
    z.avail_out = static_cast<uInt>(size);
    if (inflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out != size)
        throw std::runtime_error("unpacking a cached object: inflate failed");
    Json object = Json::from_msgpack(encoded);
    release_if_large(encoded);
    return object;
}

} // namespace labfleet::kube
