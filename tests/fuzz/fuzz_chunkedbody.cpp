// Arbitrary chunked request bodies for the connection guard's scanner. The first byte picks a
// point to split the input at: the answer must not depend on how the bytes arrive.

#include "http/chunkedbodyscanner.h"

#include <cstdint>
#include <cstdlib>

namespace {

using Herald::ChunkedBodyScanner;

constexpr qint64 Limit = 4096;

struct Outcome
{
    ChunkedBodyScanner::Status status = ChunkedBodyScanner::Status::NeedMore;
    qsizetype end = -1; // where the body ended in the input
    qint64 dataBytes = 0;
};

Outcome scan(QByteArrayView input, qsizetype split)
{
    ChunkedBodyScanner scanner(Limit);
    Outcome outcome;
    qsizetype offset = 0;
    for (const QByteArrayView part : {input.first(split), input.sliced(split)}) {
        qsizetype used = 0;
        outcome.status = scanner.feed(part, &used);
        if (used < 0 || used > part.size())
            std::abort();
        if (outcome.status != ChunkedBodyScanner::Status::NeedMore) {
            outcome.end = offset + used;
            break;
        }
        if (used != part.size())
            std::abort(); // more is needed, yet not everything was taken
        offset += part.size();
    }
    outcome.dataBytes = scanner.dataBytes();
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const qsizetype split = input.isEmpty() ? 0 : qsizetype(data[0]) % (input.size() + 1);

    const Outcome whole = scan(input, input.size());
    const Outcome pieces = scan(input, split);
    if (whole.status != pieces.status || whole.end != pieces.end
        || whole.dataBytes != pieces.dataBytes)
        std::abort();
    if (whole.dataBytes < 0 || whole.dataBytes > Limit)
        std::abort();
    // A body that ended well ends with its blank line.
    if (whole.status == ChunkedBodyScanner::Status::Done && !input.first(whole.end).endsWith('\n'))
        std::abort();
    return 0;
}
