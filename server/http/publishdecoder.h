#pragma once

#include "broadcast/event.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace Herald {

// Turns a POST /publish body into event drafts, or says precisely what is wrong with it.
// Accepted: a JSON object {"topic","event","data","retry"}, a JSON array of those (a batch), or
// form-urlencoded topic, event, data, retry. data is required; a JSON string is sent as it is,
// any other JSON value compactly serialised.
class PublishDecoder
{
public:
    struct Result
    {
        std::vector<EventDraft> drafts;
        int status = 0; // 0 when decoded; otherwise the HTTP status to answer with
        QString error;
        bool batch = false;
        bool ok() const { return status == 0; }
    };

    static Result decode(const QByteArray &contentType, const QByteArray &body);

    // Topic names: 1 to 128 of letters, digits and "_-.:/".
    static bool isValidTopic(const QString &topic);
};

} // namespace Herald
