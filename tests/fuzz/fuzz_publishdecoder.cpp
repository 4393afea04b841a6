// Arbitrary publish bodies, as JSON or as a form: the decoder either gives drafts that are safe
// to encode or an error with a status, never both and never neither.

#include "http/publishdecoder.h"
#include "protocol/frameencoder.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const QByteArray types[]
        = {"application/json", "application/x-www-form-urlencoded", "text/plain", ""};
    const QByteArray &contentType = types[data[0] % 4];
    const QByteArray body(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));

    const Herald::PublishDecoder::Result result = Herald::PublishDecoder::decode(contentType, body);
    if (result.ok() == result.drafts.empty())
        std::abort();
    if (!result.ok() && (result.error.isEmpty() || (result.status != 400 && result.status != 415)))
        std::abort();
    for (const Herald::EventDraft &draft : result.drafts) {
        if (!Herald::PublishDecoder::isValidTopic(draft.topic)
            || !Herald::FrameEncoder::isValidEventType(draft.type))
            std::abort();
        // Whatever the payload, a frame has one blank line: at its end.
        const QByteArray frame
            = Herald::FrameEncoder::event(1, draft.type, draft.data, draft.retryMs);
        if (frame.indexOf("\n\n") != frame.size() - 2 || frame.contains('\r'))
            std::abort();
    }
    return 0;
}
