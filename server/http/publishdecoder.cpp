#include "http/publishdecoder.h"

#include "protocol/frameencoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QUrlQuery>

#include <cmath>

namespace Herald {

namespace {

constexpr int MaxRetryMs = 24 * 60 * 60 * 1000;
constexpr qsizetype MaxTypeLength = 256;

PublishDecoder::Result failure(int status, const QString &error)
{
    PublishDecoder::Result result;
    result.status = status;
    result.error = error;
    return result;
}

// Checks the fields every kind of body shares; returns an error text or an empty string.
QString validate(const EventDraft &draft)
{
    if (!PublishDecoder::isValidTopic(draft.topic))
        return QStringLiteral("bad topic name \"%1\": use 1 to 128 letters, digits or _-.:/")
            .arg(draft.topic.left(140));
    if (draft.type.isEmpty())
        return QStringLiteral("event type must not be empty");
    if (!FrameEncoder::isValidEventType(draft.type))
        return QStringLiteral("event type must not contain CR or LF");
    if (draft.type.size() > MaxTypeLength)
        return QStringLiteral("event type longer than %1 bytes").arg(MaxTypeLength);
    if (draft.retryMs && (*draft.retryMs < 0 || *draft.retryMs > MaxRetryMs))
        return QStringLiteral("retry must be between 0 and %1 ms").arg(MaxRetryMs);
    return {};
}

QString draftFromJson(const QJsonValue &value, EventDraft *draft)
{
    if (!value.isObject())
        return QStringLiteral("each event must be a JSON object");
    const QJsonObject object = value.toObject();

    const QJsonValue topic = object.value(QLatin1String("topic"));
    if (!topic.isUndefined() && !topic.isNull()) {
        if (!topic.isString())
            return QStringLiteral("\"topic\" must be a string");
        draft->topic = topic.toString();
    }

    const QJsonValue type = object.value(QLatin1String("event"));
    if (!type.isUndefined() && !type.isNull()) {
        if (!type.isString())
            return QStringLiteral("\"event\" must be a string");
        draft->type = type.toString().toUtf8();
    }

    const QJsonValue data = object.value(QLatin1String("data"));
    if (data.isUndefined())
        return QStringLiteral("\"data\" is missing");
    if (data.isString()) {
        draft->data = data.toString().toUtf8();
    } else if (data.isObject()) {
        draft->data = QJsonDocument(data.toObject()).toJson(QJsonDocument::Compact);
    } else if (data.isArray()) {
        draft->data = QJsonDocument(data.toArray()).toJson(QJsonDocument::Compact);
    } else {
        // Scalars: wrap in an array to serialise them with Qt's writer, then unwrap.
        const QByteArray wrapped = QJsonDocument(QJsonArray{data}).toJson(QJsonDocument::Compact);
        draft->data = wrapped.mid(1, wrapped.size() - 2);
    }

    const QJsonValue retry = object.value(QLatin1String("retry"));
    if (!retry.isUndefined() && !retry.isNull()) {
        const double ms = retry.toDouble(-1);
        if (!retry.isDouble() || !(ms >= 0 && ms <= MaxRetryMs) || ms != std::floor(ms))
            return QStringLiteral("\"retry\" must be a whole number of milliseconds from 0 to %1")
                .arg(MaxRetryMs);
        draft->retryMs = int(ms);
    }
    return validate(*draft);
}

PublishDecoder::Result decodeJson(const QByteArray &body)
{
    if (body.trimmed().isEmpty())
        return failure(400,
                       QStringLiteral("empty body: send a JSON object or an array of objects"));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // Qt 6.4 takes only an object or an array at the top: a lone string, number, true, false
        // or null is valid JSON that it calls illegal. Say what is wrong with it instead.
        QJsonParseError wrapped;
        QJsonDocument::fromJson("[" + body + "]", &wrapped);
        if (wrapped.error == QJsonParseError::NoError)
            return failure(400,
                           QStringLiteral("body must be a JSON object or an array of objects"));
        return failure(400,
                       QStringLiteral("malformed JSON at offset %1: %2")
                           .arg(parseError.offset)
                           .arg(parseError.errorString()));
    }

    PublishDecoder::Result result;
    if (document.isArray()) {
        const QJsonArray array = document.array();
        if (array.isEmpty())
            return failure(400, QStringLiteral("empty batch: send at least one event"));
        result.batch = true;
        for (qsizetype i = 0; i < array.size(); ++i) {
            EventDraft draft;
            const QString error = draftFromJson(array.at(i), &draft);
            if (!error.isEmpty())
                return failure(400, QStringLiteral("event %1: %2").arg(i).arg(error));
            result.drafts.push_back(std::move(draft));
        }
        return result;
    }

    if (!document.isObject())
        return failure(400, QStringLiteral("body must be a JSON object or an array of objects"));
    EventDraft draft;
    const QString error = draftFromJson(document.object(), &draft);
    if (!error.isEmpty())
        return failure(400, error);
    result.drafts.push_back(std::move(draft));
    return result;
}

PublishDecoder::Result decodeForm(const QByteArray &body)
{
    // '+' means a space in form bodies; QUrlQuery leaves it alone, so turn it into %20 first.
    QByteArray normalised = body;
    normalised.replace('+', "%20");
    const QUrlQuery query(QString::fromUtf8(normalised));

    EventDraft draft;
    if (query.hasQueryItem(QStringLiteral("topic")))
        draft.topic = query.queryItemValue(QStringLiteral("topic"), QUrl::FullyDecoded);
    if (query.hasQueryItem(QStringLiteral("event")))
        draft.type = query.queryItemValue(QStringLiteral("event"), QUrl::FullyDecoded).toUtf8();
    if (!query.hasQueryItem(QStringLiteral("data")))
        return failure(400, QStringLiteral("\"data\" is missing"));
    draft.data = query.queryItemValue(QStringLiteral("data"), QUrl::FullyDecoded).toUtf8();
    if (query.hasQueryItem(QStringLiteral("retry"))) {
        bool ok = false;
        const int ms = query.queryItemValue(QStringLiteral("retry")).toInt(&ok);
        if (!ok)
            return failure(400, QStringLiteral("\"retry\" must be a whole number of milliseconds"));
        draft.retryMs = ms;
    }

    const QString error = validate(draft);
    if (!error.isEmpty())
        return failure(400, error);
    PublishDecoder::Result result;
    result.drafts.push_back(std::move(draft));
    return result;
}

} // namespace

PublishDecoder::Result PublishDecoder::decode(const QByteArray &contentType, const QByteArray &body)
{
    const QByteArray mediaType = contentType.split(';').constFirst().trimmed().toLower();
    if (mediaType == "application/json" || mediaType.endsWith("+json"))
        return decodeJson(body);
    if (mediaType == "application/x-www-form-urlencoded")
        return decodeForm(body);
    if (mediaType.isEmpty())
        return failure(415,
                       QStringLiteral("missing Content-Type: send application/json or "
                                      "application/x-www-form-urlencoded"));
    return failure(415,
                   QStringLiteral("unsupported Content-Type \"%1\": send application/json or "
                                  "application/x-www-form-urlencoded")
                       .arg(QString::fromLatin1(mediaType.left(100))));
}

bool PublishDecoder::isValidTopic(const QString &topic)
{
    if (topic.isEmpty() || topic.size() > 128)
        return false;
    for (const QChar c : topic) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
            || u == '_' || u == '-' || u == '.' || u == ':' || u == '/';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace Herald
