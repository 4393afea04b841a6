#pragma once

#include <QByteArray>
#include <QStringList>
#include <QUrlQuery>

#include <optional>

namespace Herald {

// What a GET /events asks for: its topics and where to resume from.
struct StreamRequest
{
    QStringList topics;
    bool hasLastEventId = false; // the client sent one, valid or not
    QByteArray rawLastEventId; // as sent
    std::optional<qint64> lastEventId; // set when it is a valid id
    QString error; // non-empty: answer 400 with it

    // The Last-Event-ID header wins over the lastEventId query parameter; header is null when
    // the request had none.
    static StreamRequest parse(const QUrlQuery &query, const QByteArray *header);

    // Herald's ids are decimal integers from 0 up; anything else (signs, spaces inside, other
    // servers' ids) is not one of ours.
    static std::optional<qint64> parseId(const QByteArray &text);
};

} // namespace Herald
