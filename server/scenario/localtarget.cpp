#include "scenario/localtarget.h"

#include "faults/fault.h"

namespace Herald {

LocalTarget::LocalTarget(const Scenario::Server &settings)
{
    NodeConfig config;
    config.bindAddress = QHostAddress::LocalHost;
    config.port = 0;
    config.broadcast.nodeId = QStringLiteral("scenario");
    // Two delivery workers are plenty for a scenario and leave the cores to the clients. Like any
    // Herald, the node fills the first one before it uses the second (Broadcaster::Config).
    config.broadcast.workers = settings.workers.value_or(2);
    if (settings.retryMs)
        config.broadcast.retryMs = *settings.retryMs;
    if (settings.historySize)
        config.broadcast.historySize = *settings.historySize;
    if (settings.heartbeatMs)
        config.broadcast.heartbeatMs = *settings.heartbeatMs;
    if (settings.maxQueueBytes)
        config.broadcast.maxQueuedBytes = *settings.maxQueueBytes;
    if (settings.maxClients)
        config.http.maxClients = *settings.maxClients;
    m_node = std::make_unique<Node>(config);
}

LocalTarget::~LocalTarget()
{
    stop();
}

bool LocalTarget::start(QString *error)
{
    return m_node->start(error);
}

void LocalTarget::stop()
{
    m_node->stop();
}

QUrl LocalTarget::url() const
{
    return m_node->url();
}

void LocalTarget::publish(const QString &topic, const QByteArray &type, const QByteArray &data,
                          PublishDone done)
{
    std::vector<EventDraft> drafts(1);
    drafts.front().topic = topic;
    drafts.front().type = type;
    drafts.front().data = data;
    m_node->broadcaster()->submit(
        std::move(drafts), [done](std::vector<EventPtr> events, const QString &error) {
            if (!error.isEmpty() || events.empty())
                done(0, error.isEmpty() ? QStringLiteral("no event") : error);
            else
                done(events.front()->id, QString());
        });
}

void LocalTarget::applyFault(const QJsonObject &object, FaultDone done)
{
    QString error;
    const std::optional<Fault> fault = Fault::fromJson(object, &error);
    if (!fault) {
        done({}, error);
        return;
    }
    const FaultInjector::Result result = m_node->faults()->apply(*fault);
    done(result.record, result.error);
}

void LocalTarget::clientCount(CountDone done)
{
    done(m_node->broadcaster()->clientCount(), QString());
}

void LocalTarget::faultLog(LogDone done)
{
    done(m_node->faults()->log(), QString());
}

} // namespace Herald
