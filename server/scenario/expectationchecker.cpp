#include "scenario/expectationchecker.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace Herald {

namespace {

constexpr int MaxEvidenceLines = 25;
// The fault log entries shown next to an incident: from a little before it to just after.
constexpr qint64 FaultsBeforeMs = 3000;
constexpr qint64 FaultsAfterMs = 500;

std::optional<qint64> numericId(const QByteArray &id)
{
    bool ok = false;
    const qint64 value = id.toLongLong(&ok);
    if (!ok || id.isEmpty() || id.front() < '0' || id.front() > '9')
        return std::nullopt;
    return value;
}

QString quotedId(const QByteArray &id)
{
    return id.isEmpty() ? QStringLiteral("none")
                        : QLatin1Char('"') + QString::fromUtf8(id) + QLatin1Char('"');
}

QString attemptText(const ClientLog::Attempt &attempt)
{
    QString text = attempt.sentLastEventId
        ? QStringLiteral("sending Last-Event-ID %1").arg(quotedId(attempt.lastEventIdSent))
        : QStringLiteral("sending no Last-Event-ID");
    if (attempt.status == 0)
        text += QStringLiteral(", no response (%1)").arg(attempt.error);
    else
        text += QStringLiteral(", status %1").arg(attempt.status);
    if (!attempt.replay.isEmpty())
        text += QStringLiteral(", Herald-Replay %1").arg(QString::fromLatin1(attempt.replay));
    return text;
}

} // namespace

ExpectationChecker::ExpectationChecker(const Expectation &expectation, const RunRecord &record)
    : m_expectation(expectation)
    , m_record(record)
{
    m_result.name = expectation.name;
    m_result.check = Expectation::kindName(expectation.kind);
    m_result.path = expectation.path;
}

CheckResult ExpectationChecker::check(const Expectation &expectation, const RunRecord &record)
{
    ExpectationChecker checker(expectation, record);
    switch (expectation.kind) {
    case Expectation::Kind::NoGaps:
        checker.noGaps();
        break;
    case Expectation::Kind::NoDuplicates:
        checker.noDuplicates();
        break;
    case Expectation::Kind::InOrder:
        checker.inOrder();
        break;
    case Expectation::Kind::ReconnectTiming:
        checker.reconnectTiming();
        break;
    case Expectation::Kind::LastEventId:
        checker.lastEventId();
        break;
    case Expectation::Kind::Replay:
        checker.replay();
        break;
    case Expectation::Kind::ClientCount:
        checker.clientCount();
        break;
    case Expectation::Kind::ClientStopped:
        checker.clientStopped();
        break;
    case Expectation::Kind::Latency:
        checker.latency();
        break;
    case Expectation::Kind::Reconnects:
        checker.counts(true);
        break;
    case Expectation::Kind::Received:
        checker.counts(false);
        break;
    }
    if (checker.m_evidenceDropped > 0)
        checker.m_result.evidence.append(
            QStringLiteral("... and %1 more lines").arg(checker.m_evidenceDropped));
    return checker.m_result;
}

QString ExpectationChecker::idRanges(QList<qint64> ids)
{
    std::sort(ids.begin(), ids.end());
    QStringList parts;
    for (qsizetype i = 0; i < ids.size();) {
        qsizetype j = i;
        while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
            ++j;
        parts.append(j == i ? QString::number(ids[i])
                            : QStringLiteral("%1-%2").arg(ids[i]).arg(ids[j]));
        i = j + 1;
        if (parts.size() == 20 && i < ids.size()) {
            parts.append(QStringLiteral("..."));
            break;
        }
    }
    return parts.join(QLatin1String(", "));
}

qint64 ExpectationChecker::percentile(std::vector<qint64> values, double p)
{
    if (values.empty())
        return -1;
    std::sort(values.begin(), values.end());
    const double rank = std::ceil(p / 100.0 * double(values.size()));
    const size_t index = size_t(std::clamp(rank, 1.0, double(values.size()))) - 1;
    return values[index];
}

std::vector<const ClientLog *> ExpectationChecker::selected() const
{
    std::vector<const ClientLog *> clients;
    for (const ClientLog *log : m_record.clients) {
        if (m_expectation.clients.matches(*log))
            clients.push_back(log);
    }
    return clients;
}

void ExpectationChecker::evidence(const QString &line)
{
    if (m_result.evidence.size() >= MaxEvidenceLines) {
        ++m_evidenceDropped;
        return;
    }
    m_result.evidence.append(line);
}

void ExpectationChecker::faultsBetween(qint64 fromMs, qint64 toMs)
{
    for (const QJsonValue &value : m_record.faultLog) {
        const QJsonObject entry = value.toObject();
        const qint64 at = qint64(entry.value(QLatin1String("atMs")).toDouble());
        if (at < fromMs - FaultsBeforeMs || at > toMs + FaultsAfterMs)
            continue;
        if (!m_result.faults.contains(entry))
            m_result.faults.append(entry);
    }
}

QString ExpectationChecker::at(qint64 ms) const
{
    return QStringLiteral("%1 (+%2 s)")
        .arg(QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss.zzz")))
        .arg(double(ms - m_record.startedAtMs) / 1000.0, 0, 'f', 3);
}

void ExpectationChecker::pass(const QString &summary)
{
    m_result.passed = true;
    m_result.summary = summary;
}

void ExpectationChecker::failWith(const QString &summary)
{
    m_result.passed = false;
    m_result.summary = summary;
}

void ExpectationChecker::noGaps()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    int checkedEvents = 0;
    int checkedClients = 0;
    QStringList missers;
    for (const ClientLog *log : clients) {
        std::vector<const RunRecord::Published *> published;
        for (const RunRecord::Published &event : m_record.published) {
            if (log->topics.contains(event.topic))
                published.push_back(&event);
        }
        std::sort(published.begin(), published.end(),
                  [](auto *a, auto *b) { return a->id < b->id; });
        if (published.empty())
            continue;

        QSet<qint64> received;
        for (const ClientLog::Event &event : log->events) {
            if (const auto id = numericId(event.id))
                received.insert(*id);
        }
        const qint64 firstOpen = log->firstOpenMs();
        if (firstOpen < 0) {
            if (log->failed)
                continue; // never got in, by the server's choice: nothing was owed to it
            missers.append(log->name);
            evidence(QStringLiteral("%1 never opened its stream (%2 attempts; last: %3)")
                         .arg(log->name)
                         .arg(log->attempts.size())
                         .arg(log->attempts.empty() ? QStringLiteral("none")
                                                    : attemptText(log->attempts.back())));
            continue;
        }

        // From the first event it had to get (published once it was open, or the first it
        // got) to the newest one published, or, for a client the server stopped, the last it
        // got before that.
        qint64 low = -1;
        qint64 high = -1;
        for (const RunRecord::Published *event : published) {
            const bool got = received.contains(event->id);
            if (got || event->sentAtMs >= firstOpen) {
                if (low < 0)
                    low = event->id;
                if (got || !log->failed)
                    high = std::max(high, event->id);
            }
        }
        if (low < 0)
            continue;
        ++checkedClients;
        QList<qint64> missing;
        int owed = 0;
        for (const RunRecord::Published *event : published) {
            if (event->id < low || event->id > high)
                continue;
            ++owed;
            ++checkedEvents;
            if (!received.contains(event->id))
                missing.append(event->id);
        }
        if (missing.isEmpty())
            continue;

        missers.append(QStringLiteral("%1 (%2)").arg(log->name).arg(missing.size()));
        evidence(QStringLiteral("%1 missed %2 of the %3 events it was owed: ids %4")
                     .arg(log->name)
                     .arg(missing.size())
                     .arg(owed)
                     .arg(idRanges(missing)));
        // What happened to it around the first hole: its last event before, its first after,
        // and the disconnects and reconnects in between.
        const qint64 firstMissing = missing.front();
        qint64 beforeMs = firstOpen;
        qint64 afterMs = m_record.nowMs;
        for (const ClientLog::Event &event : log->events) {
            const auto id = numericId(event.id);
            if (!id)
                continue;
            if (*id < firstMissing)
                beforeMs = event.receivedAtMs;
            else if (afterMs == m_record.nowMs)
                afterMs = event.receivedAtMs;
        }
        for (const RunRecord::Published &event : m_record.published) {
            if (event.id == firstMissing)
                evidence(QStringLiteral("  id %1 was published at %2")
                             .arg(firstMissing)
                             .arg(at(event.sentAtMs)));
        }
        for (const ClientLog::Disconnect &gone : log->disconnects) {
            if (gone.atMs < beforeMs || gone.atMs > afterMs)
                continue;
            QString line = QStringLiteral("  disconnected at %1 (%2), last event ID %3")
                               .arg(at(gone.atMs), gone.reason, quotedId(gone.lastEventId));
            if (size_t(gone.connection) < log->attempts.size()) {
                const ClientLog::Attempt &next = log->attempts[size_t(gone.connection)];
                line += QStringLiteral("; reconnected at %1 %2")
                            .arg(at(next.atMs), attemptText(next));
            }
            evidence(line);
        }
        faultsBetween(beforeMs, afterMs);
    }
    if (!missers.isEmpty())
        return failWith(QStringLiteral("%1 of %2 clients missed events: %3")
                            .arg(missers.size())
                            .arg(clients.size())
                            .arg(missers.join(QLatin1String(", "))));
    if (checkedClients == 0)
        return failWith(QStringLiteral("nothing to check: no selected client was owed an event "
                                       "(publish on their topics while they are open)"));
    pass(QStringLiteral("%1 clients got every event they were owed (%2 checked)")
             .arg(checkedClients)
             .arg(checkedEvents));
}

void ExpectationChecker::noDuplicates()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    qint64 total = 0;
    QStringList offenders;
    for (const ClientLog *log : clients) {
        std::map<QByteArray, std::vector<const ClientLog::Event *>> byId;
        for (const ClientLog::Event &event : log->events) {
            if (!event.id.isEmpty())
                byId[event.id].push_back(&event);
            ++total;
        }
        int duplicated = 0;
        for (const auto &[id, events] : byId) {
            if (events.size() < 2)
                continue;
            ++duplicated;
            QStringList where;
            for (const ClientLog::Event *event : events)
                where.append(QStringLiteral("connection %1 at %2")
                                 .arg(event->connection)
                                 .arg(at(event->receivedAtMs)));
            evidence(QStringLiteral("%1 got id %2 %3 times: %4")
                         .arg(log->name, QString::fromUtf8(id))
                         .arg(events.size())
                         .arg(where.join(QLatin1String("; "))));
            faultsBetween(events.front()->receivedAtMs, events.back()->receivedAtMs);
        }
        if (duplicated > 0)
            offenders.append(QStringLiteral("%1 (%2 ids)").arg(log->name).arg(duplicated));
    }
    if (!offenders.isEmpty())
        return failWith(
            QStringLiteral("duplicates at %1").arg(offenders.join(QLatin1String(", "))));
    if (total == 0)
        return failWith(QStringLiteral("nothing to check: no selected client received an event"));
    pass(QStringLiteral("no id arrived twice (%1 events at %2 clients)")
             .arg(total)
             .arg(clients.size()));
}

void ExpectationChecker::inOrder()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    qint64 total = 0;
    QStringList offenders;
    for (const ClientLog *log : clients) {
        std::optional<qint64> previous;
        int breaks = 0;
        for (const ClientLog::Event &event : log->events) {
            const auto id = numericId(event.id);
            if (!id)
                continue;
            ++total;
            if (previous && *id <= *previous) {
                ++breaks;
                evidence(QStringLiteral("%1 got id %2 after id %3 (connection %4, at %5)")
                             .arg(log->name)
                             .arg(*id)
                             .arg(*previous)
                             .arg(event.connection)
                             .arg(at(event.receivedAtMs)));
                faultsBetween(event.receivedAtMs, event.receivedAtMs);
            }
            previous = id;
        }
        if (breaks > 0)
            offenders.append(QStringLiteral("%1 (%2)").arg(log->name).arg(breaks));
    }
    if (!offenders.isEmpty())
        return failWith(
            QStringLiteral("ids went backwards at %1").arg(offenders.join(QLatin1String(", "))));
    if (total == 0)
        return failWith(QStringLiteral("nothing to check: no selected client received an event"));
    pass(QStringLiteral("ids only increased (%1 events at %2 clients)")
             .arg(total)
             .arg(clients.size()));
}

void ExpectationChecker::reconnectTiming()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    int checked = 0;
    qint64 worstLate = 0;
    QStringList offenders;
    for (const ClientLog *log : clients) {
        int bad = 0;
        for (const ClientLog::Disconnect &gone : log->disconnects) {
            const qint64 earliest = gone.retryMs - m_expectation.earlyMs;
            const qint64 latest = qint64(gone.retryMs) + m_expectation.toleranceMs;
            if (size_t(gone.connection) >= log->attempts.size()) {
                // No attempt after it: fine while the delay runs, or when the run stopped it.
                const qint64 end = log->stoppedByOwner ? log->stoppedAtMs : m_record.nowMs;
                if (end - gone.atMs <= latest)
                    continue;
                ++checked;
                ++bad;
                evidence(QStringLiteral("%1 never reconnected after the disconnect at %2 (%3); "
                                        "the stream's retry was %4 ms")
                             .arg(log->name, at(gone.atMs), gone.reason)
                             .arg(gone.retryMs));
                faultsBetween(gone.atMs, gone.atMs);
                continue;
            }
            ++checked;
            const ClientLog::Attempt &next = log->attempts[size_t(gone.connection)];
            const qint64 delay = next.atMs - gone.atMs;
            worstLate = std::max(worstLate, delay - gone.retryMs);
            if (delay >= earliest && delay <= latest)
                continue;
            ++bad;
            evidence(QStringLiteral("%1 reconnected %2 ms after the disconnect at %3 (%4); the "
                                    "stream's retry was %5 ms, so %6 to %7 ms was expected")
                         .arg(log->name)
                         .arg(delay)
                         .arg(at(gone.atMs), gone.reason)
                         .arg(gone.retryMs)
                         .arg(std::max<qint64>(0, earliest))
                         .arg(latest));
            faultsBetween(gone.atMs, next.atMs);
        }
        if (bad > 0)
            offenders.append(QStringLiteral("%1 (%2)").arg(log->name).arg(bad));
    }
    if (!offenders.isEmpty())
        return failWith(QStringLiteral("reconnection delay off at %1")
                            .arg(offenders.join(QLatin1String(", "))));
    if (checked == 0)
        return failWith(QStringLiteral("nothing to check: no selected client was disconnected"));
    pass(QStringLiteral("%1 reconnections waited the stream's retry (at most %2 ms over it; "
                        "tolerance %3 ms)")
             .arg(checked)
             .arg(worstLate)
             .arg(m_expectation.toleranceMs));
}

void ExpectationChecker::lastEventId()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    int checked = 0;
    QStringList offenders;
    for (const ClientLog *log : clients) {
        int bad = 0;
        for (const ClientLog::Attempt &attempt : log->attempts) {
            if (attempt.index < 2)
                continue;
            // The id of the last event received on an earlier connection.
            QByteArray expected;
            qint64 lastAt = 0;
            for (const ClientLog::Event &event : log->events) {
                if (event.connection >= attempt.index)
                    break;
                expected = event.id;
                lastAt = event.receivedAtMs;
            }
            ++checked;
            const QByteArray sent
                = attempt.sentLastEventId ? attempt.lastEventIdSent : QByteArray();
            if (sent == expected)
                continue;
            ++bad;
            evidence(QStringLiteral("%1 attempt %2 at %3 sent Last-Event-ID %4; the last event "
                                    "it had received was %5%6")
                         .arg(log->name)
                         .arg(attempt.index)
                         .arg(at(attempt.atMs), quotedId(sent), quotedId(expected),
                              lastAt ? QStringLiteral(" at ") + at(lastAt) : QString()));
            faultsBetween(lastAt ? lastAt : attempt.atMs, attempt.atMs);
        }
        if (bad > 0)
            offenders.append(QStringLiteral("%1 (%2)").arg(log->name).arg(bad));
    }
    if (!offenders.isEmpty())
        return failWith(
            QStringLiteral("wrong Last-Event-ID at %1").arg(offenders.join(QLatin1String(", "))));
    if (checked == 0)
        return failWith(QStringLiteral("nothing to check: no selected client reconnected"));
    pass(QStringLiteral("%1 reconnections sent the id of the last event received").arg(checked));
}

void ExpectationChecker::replay()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    int checked = 0;
    QStringList offenders;
    for (const ClientLog *log : clients) {
        int bad = 0;
        for (const ClientLog::Attempt &attempt : log->attempts) {
            if (!attempt.sentLastEventId || attempt.status != 200)
                continue;
            ++checked;
            if (attempt.replay == m_expectation.replay)
                continue;
            ++bad;
            evidence(QStringLiteral("%1 attempt %2 at %3 resumed from %4 and got Herald-Replay "
                                    "%5, not %6")
                         .arg(log->name)
                         .arg(attempt.index)
                         .arg(at(attempt.atMs), quotedId(attempt.lastEventIdSent),
                              attempt.replay.isEmpty() ? QStringLiteral("(none)")
                                                       : QString::fromLatin1(attempt.replay),
                              QString::fromLatin1(m_expectation.replay)));
            faultsBetween(attempt.atMs, attempt.atMs);
        }
        if (bad > 0)
            offenders.append(QStringLiteral("%1 (%2)").arg(log->name).arg(bad));
    }
    if (!offenders.isEmpty())
        return failWith(QStringLiteral("unexpected Herald-Replay at %1")
                            .arg(offenders.join(QLatin1String(", "))));
    if (checked == 0)
        return failWith(QStringLiteral("nothing to check: no selected client resumed with a "
                                       "Last-Event-ID"));
    pass(QStringLiteral("%1 resumes answered Herald-Replay %2")
             .arg(checked)
             .arg(QString::fromLatin1(m_expectation.replay)));
}

void ExpectationChecker::clientCount()
{
    if (m_record.serverClientCount < 0)
        return failWith(QStringLiteral("the server's client count could not be read"));
    int open = 0;
    for (const ClientLog *log : m_record.clients) {
        if (!log->attempts.empty() && log->attempts.back().opened && !log->failed
            && (log->disconnects.empty()
                || log->disconnects.back().connection < log->attempts.back().index))
            ++open;
    }
    const QString counts = QStringLiteral("the server counts %1 stream clients (%2 virtual "
                                          "clients have a stream open)")
                               .arg(m_record.serverClientCount)
                               .arg(open);
    if (m_record.serverClientCount != m_expectation.equals) {
        evidence(counts);
        faultsBetween(m_record.nowMs - 5000, m_record.nowMs);
        return failWith(QStringLiteral("expected %1: %2").arg(m_expectation.equals).arg(counts));
    }
    pass(counts);
}

void ExpectationChecker::clientStopped()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    QStringList offenders;
    for (const ClientLog *log : clients) {
        const ClientLog::Attempt *last = log->attempts.empty() ? nullptr : &log->attempts.back();
        const bool statusOk
            = m_expectation.status == 0 || (last && last->status == m_expectation.status);
        if (log->failed && statusOk) {
            evidence(QStringLiteral("%1 stopped at %2: %3")
                         .arg(log->name, at(log->failedAtMs), log->failReason));
            continue;
        }
        offenders.append(log->name);
        QString line = log->failed
            ? QStringLiteral("%1 stopped (%2) but its last attempt got status %3, not %4")
                  .arg(log->name, log->failReason)
                  .arg(last ? last->status : 0)
                  .arg(m_expectation.status)
            : QStringLiteral("%1 did not stop: %2 attempts, %3 opens")
                  .arg(log->name)
                  .arg(log->attempts.size())
                  .arg(log->opens());
        if (last)
            line += QStringLiteral("; last attempt at %1 %2")
                        .arg(at(last->atMs), attemptText(*last));
        evidence(line);
        faultsBetween(last ? last->atMs - 5000 : m_record.startedAtMs, m_record.nowMs);
    }
    if (!offenders.isEmpty()) {
        // Successes first in the evidence is noise when something failed.
        QStringList kept;
        for (const QString &line : std::as_const(m_result.evidence)) {
            if (!line.contains(QLatin1String(" stopped at ")))
                kept.append(line);
        }
        m_result.evidence = kept;
        return failWith(QStringLiteral("%1 of %2 clients did not stop as expected: %3")
                            .arg(offenders.size())
                            .arg(clients.size())
                            .arg(offenders.join(QLatin1String(", "))));
    }
    pass(QStringLiteral("%1 clients stopped for good%2")
             .arg(clients.size())
             .arg(m_expectation.status
                      ? QStringLiteral(" after status %1").arg(m_expectation.status)
                      : QString()));
}

void ExpectationChecker::latency()
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    std::vector<qint64> all;
    const ClientLog *worstClient = nullptr;
    qint64 worstClientValue = -1;
    const ClientLog::Event *worstEvent = nullptr;
    const ClientLog *worstEventClient = nullptr;
    for (const ClientLog *log : clients) {
        std::vector<qint64> own;
        for (const ClientLog::Event &event : log->events) {
            if (event.publishedAtMs < 0)
                continue;
            own.push_back(event.latencyMs());
            if (!worstEvent || event.latencyMs() > worstEvent->latencyMs()) {
                worstEvent = &event;
                worstEventClient = log;
            }
        }
        const qint64 value = percentile(own, m_expectation.percentile);
        if (value > worstClientValue) {
            worstClientValue = value;
            worstClient = log;
        }
        all.insert(all.end(), own.begin(), own.end());
    }
    if (all.empty())
        return failWith(QStringLiteral("nothing to check: no event carried a publish time "
                                       "(publish steps put {\"seq\":N,\"t\":ms} in the data)"));
    const qint64 value = percentile(all, m_expectation.percentile);
    const QString label = QStringLiteral("p%1").arg(m_expectation.percentile);
    evidence(QStringLiteral("%1 events: p50 %2 ms, p90 %3 ms, p99 %4 ms, max %5 ms")
                 .arg(all.size())
                 .arg(percentile(all, 50))
                 .arg(percentile(all, 90))
                 .arg(percentile(all, 99))
                 .arg(percentile(all, 100)));
    if (worstClient)
        evidence(QStringLiteral("slowest client: %1 with %2 %3 ms")
                     .arg(worstClient->name, label)
                     .arg(worstClientValue));
    if (worstEvent)
        evidence(QStringLiteral("slowest event: id %1 at %2, %3 ms after it was published "
                                "(received at %4)")
                     .arg(QString::fromUtf8(worstEvent->id), worstEventClient->name)
                     .arg(worstEvent->latencyMs())
                     .arg(at(worstEvent->receivedAtMs)));
    if (value >= m_expectation.belowMs)
        return failWith(QStringLiteral("%1 latency %2 ms, not below %3 ms")
                            .arg(label)
                            .arg(value)
                            .arg(m_expectation.belowMs));
    pass(QStringLiteral("%1 latency %2 ms, below %3 ms")
             .arg(label)
             .arg(value)
             .arg(m_expectation.belowMs));
}

void ExpectationChecker::counts(bool reconnects)
{
    const std::vector<const ClientLog *> clients = selected();
    if (clients.empty())
        return failWith(QStringLiteral("no client selected"));
    const QString what = reconnects ? QStringLiteral("reconnections") : QStringLiteral("events");
    QStringList offenders;
    qint64 low = -1;
    qint64 high = -1;
    for (const ClientLog *log : clients) {
        const qint64 count
            = reconnects ? std::max(0, log->opens() - 1) : qint64(log->events.size());
        low = low < 0 ? count : std::min(low, count);
        high = std::max(high, count);
        if ((m_expectation.atLeast && count < *m_expectation.atLeast)
            || (m_expectation.atMost && count > *m_expectation.atMost)) {
            offenders.append(QStringLiteral("%1 (%2)").arg(log->name).arg(count));
            evidence(QStringLiteral("%1: %2 %3 (%4 attempts, %5 disconnects%6)")
                         .arg(log->name)
                         .arg(count)
                         .arg(what)
                         .arg(log->attempts.size())
                         .arg(log->disconnects.size())
                         .arg(log->failed ? QStringLiteral(", stopped: ") + log->failReason
                                          : QString()));
        }
    }
    QString bounds;
    if (m_expectation.atLeast)
        bounds += QStringLiteral("at least %1").arg(*m_expectation.atLeast);
    if (m_expectation.atMost)
        bounds += (bounds.isEmpty() ? QString() : QStringLiteral(" and "))
            + QStringLiteral("at most %1").arg(*m_expectation.atMost);
    if (!offenders.isEmpty()) {
        faultsBetween(m_record.startedAtMs, m_record.nowMs);
        return failWith(QStringLiteral("%1 expected, but: %2")
                            .arg(bounds, offenders.join(QLatin1String(", "))));
    }
    pass(QStringLiteral("%1 clients had %2 to %3 %4 (%5)")
             .arg(clients.size())
             .arg(low)
             .arg(high)
             .arg(what, bounds));
}

} // namespace Herald
