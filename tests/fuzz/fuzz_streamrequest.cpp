// Arbitrary query strings and Last-Event-ID headers for GET /events.

#include "http/publishdecoder.h"
#include "http/streamrequest.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype split = input.indexOf('\n');
    const QByteArray query = split < 0 ? input : input.left(split);
    const QByteArray header = split < 0 ? QByteArray() : input.mid(split + 1);

    const Herald::StreamRequest request = Herald::StreamRequest::parse(
        QUrlQuery(QString::fromUtf8(query)), split < 0 ? nullptr : &header);
    if (request.error.isEmpty()) {
        if (request.topics.isEmpty())
            std::abort();
        for (const QString &topic : request.topics) {
            if (!Herald::PublishDecoder::isValidTopic(topic))
                std::abort();
        }
    }
    if (request.lastEventId && *request.lastEventId < 0)
        std::abort();

    // parseId accepts exactly decimal digits (around blanks), and reads them right.
    if (const auto id = Herald::StreamRequest::parseId(header)) {
        QByteArray digits = header.trimmed();
        while (digits.size() > 1 && digits.startsWith('0'))
            digits.remove(0, 1);
        if (QByteArray::number(*id) != digits)
            std::abort();
    }
    return 0;
}
