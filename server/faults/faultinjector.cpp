#include "faults/faultinjector.h"

#include "broadcast/broadcaster.h"
#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>

namespace Herald {

namespace {

constexpr size_t LogLimit = 1000;

std::optional<StreamFault> streamFaultFor(const Fault &fault)
{
    switch (fault.kind) {
    case Fault::Kind::Stall:
        return StreamFault{StreamFault::Kind::Stall, 0};
    case Fault::Kind::Resume:
        return StreamFault{StreamFault::Kind::Resume, 0};
    case Fault::Kind::Drip:
        return StreamFault{StreamFault::Kind::Drip, fault.bytesPerSecond};
    case Fault::Kind::Cut:
        return StreamFault{StreamFault::Kind::CutMidEvent, 0};
    case Fault::Kind::DropAfterEvents:
        return StreamFault{StreamFault::Kind::DropAfterEvents, fault.events};
    case Fault::Kind::DropAfterTime:
        return StreamFault{StreamFault::Kind::DropAfterTime, fault.milliseconds};
    case Fault::Kind::RetryThenClose:
        return StreamFault{StreamFault::Kind::RetryThenClose, fault.retryMs};
    default:
        return std::nullopt;
    }
}

} // namespace

FaultInjector::FaultInjector(Broadcaster *broadcaster, QObject *parent)
    : QObject(parent)
    , m_broadcaster(broadcaster)
{ }

FaultInjector::Result FaultInjector::apply(const Fault &fault)
{
    Result result;
    if (fault.isClientFault()) {
        QList<quint64> targets = fault.clients;
        if (fault.allClients) {
            targets.clear();
            for (const SessionPtr &session : m_broadcaster->sessions())
                targets.append(session->id());
        }
        for (quint64 id : targets) {
            bool reached = false;
            if (fault.kind == Fault::Kind::Close)
                reached
                    = m_broadcaster->close(id, CloseMode::Flush, QStringLiteral("fault: close"));
            else if (fault.kind == Fault::Kind::Reset)
                reached
                    = m_broadcaster->close(id, CloseMode::Reset, QStringLiteral("fault: reset"));
            else
                reached = m_broadcaster->applyFault(id, *streamFaultFor(fault));
            result.applied += int(reached);
        }
        if (!fault.allClients && result.applied == 0) {
            result.error = QStringLiteral("none of the given clients is connected");
            return result;
        }
    } else if (fault.kind == Fault::Kind::Refuse) {
        m_refusals = fault.count;
        m_refusal = Refusal{fault.status, fault.retryAfterSeconds};
        result.applied = 1;
    } else {
        if (!pauseRelay) {
            result.error = QStringLiteral("this node has no relay to pause or resume");
            return result;
        }
        pauseRelay(fault.kind == Fault::Kind::PauseRelay);
        result.applied = 1;
    }

    const QDateTime now = QDateTime::currentDateTimeUtc();
    QJsonObject record = fault.toJson();
    record.insert(QStringLiteral("at"), now.toString(Qt::ISODateWithMs));
    record.insert(QStringLiteral("atMs"), double(now.toMSecsSinceEpoch()));
    record.insert(QStringLiteral("applied"), result.applied);
    m_log.push_back(record);
    while (m_log.size() > LogLimit)
        m_log.pop_front();
    result.record = record;

    qCInfo(lcFaults).noquote() << "fault" << QJsonDocument(record).toJson(QJsonDocument::Compact);
    Q_EMIT faultApplied(record);
    return result;
}

std::optional<FaultInjector::Refusal> FaultInjector::takeRefusal()
{
    if (m_refusals <= 0)
        return std::nullopt;
    --m_refusals;
    return m_refusal;
}

QJsonArray FaultInjector::log() const
{
    QJsonArray array;
    for (const QJsonObject &record : m_log)
        array.append(record);
    return array;
}

} // namespace Herald
