#pragma once

#include "scenario/clientlog.h"

#include <QJsonArray>
#include <QString>

#include <vector>

namespace Herald {

// What a run has produced so far, as the expectations see it when an expect step comes.
struct RunRecord
{
    // One event the scenario published, with the id the server gave it.
    struct Published
    {
        qint64 id = 0;
        QString topic;
        qint64 seq = 0;
        qint64 sentAtMs = 0; // just before it was handed to the server
        qint64 ackedAtMs = 0; // once the server had given it its id
    };

    std::vector<Published> published;
    std::vector<const ClientLog *> clients;
    QJsonArray faultLog; // GET /faults, oldest first
    int serverClientCount = -1; // -1: not known
    qint64 startedAtMs = 0;
    qint64 nowMs = 0;
};

} // namespace Herald
