#include "http/streamrequest.h"

#include "http/publishdecoder.h"

#include <limits>

namespace Herald {

std::optional<qint64> StreamRequest::parseId(const QByteArray &text)
{
    const QByteArray trimmed = text.trimmed();
    if (trimmed.isEmpty() || trimmed.size() > 19)
        return std::nullopt;
    qint64 value = 0;
    for (const char c : trimmed) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const int digit = c - '0';
        if (value > (std::numeric_limits<qint64>::max() - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

StreamRequest StreamRequest::parse(const QUrlQuery &query, const QByteArray *header)
{
    StreamRequest request;

    const QStringList topics
        = query.allQueryItemValues(QStringLiteral("topic"), QUrl::FullyDecoded);
    for (const QString &topic : topics) {
        if (!PublishDecoder::isValidTopic(topic)) {
            request.error = QStringLiteral("bad topic name \"%1\": use 1 to 128 letters, digits "
                                           "or _-.:/")
                                .arg(topic.left(140));
            return request;
        }
        if (!request.topics.contains(topic))
            request.topics.append(topic);
    }
    if (request.topics.isEmpty())
        request.topics.append(QStringLiteral("default"));

    // An empty header says nothing (a browser leaves it out rather than send it empty).
    if (header && !header->trimmed().isEmpty()) {
        request.hasLastEventId = true;
        request.rawLastEventId = *header;
    } else if (query.hasQueryItem(QStringLiteral("lastEventId"))) {
        request.hasLastEventId = true;
        request.rawLastEventId
            = query.queryItemValue(QStringLiteral("lastEventId"), QUrl::FullyDecoded).toUtf8();
    }
    if (request.hasLastEventId)
        request.lastEventId = parseId(request.rawLastEventId);
    return request;
}

} // namespace Herald
