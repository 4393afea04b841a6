#include "nodesview.h"

#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>

namespace Herald {

namespace {

QString textOf(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble()) {
        const double d = value.toDouble();
        return d == std::floor(d) ? QString::number(qint64(d)) : QString::number(d, 'f', 1);
    }
    if (value.isBool())
        return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    if (value.isNull() || value.isUndefined())
        return {};
    return QString::fromUtf8(value.isArray()
                                 ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                                 : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
}

// The relay's presence records (relay.cpp), in reading order; unknown keys follow.
const QList<QPair<QString, QString>> &knownColumns()
{
    static const QList<QPair<QString, QString>> columns = {
        {QStringLiteral("id"), QStringLiteral("Node")},
        {QStringLiteral("url"), QStringLiteral("URL")},
        {QStringLiteral("clients"), QStringLiteral("Clients")},
        {QStringLiteral("eventsPerSecond"), QStringLiteral("Events/s")},
        {QStringLiteral("lastEventId"), QStringLiteral("Last id")},
        {QStringLiteral("relayLagMs"), QStringLiteral("Relay lag (ms)")},
        {QStringLiteral("seenAt"), QStringLiteral("Seen")},
    };
    return columns;
}

} // namespace

NodesView::NodesView(QWidget *parent)
    : QWidget(parent)
    , m_summaryLabel(new QLabel(this))
    , m_status(new QTreeWidget(this))
    , m_nodes(new QTableWidget(this))
{
    m_summaryLabel->setObjectName(QStringLiteral("relaySummary"));
    m_status->setObjectName(QStringLiteral("relayStatus"));
    m_nodes->setObjectName(QStringLiteral("nodesTable"));
    m_status->setHeaderLabels({tr("Relay"), tr("Value")});
    m_status->setRootIsDecorated(false);
    m_nodes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_nodes->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_nodes->verticalHeader()->hide();
    m_nodes->horizontalHeader()->setStretchLastSection(true);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_status);
    splitter->addWidget(m_nodes);
    splitter->setStretchFactor(1, 3);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summaryLabel);
    layout->addWidget(splitter, 1);
    setRelay(std::nullopt, std::nullopt);
}

void NodesView::setRelay(const std::optional<QJsonObject> &status,
                         const std::optional<QJsonArray> &nodes)
{
    // Snapshots come four times a second; the relay's view changes about once a second.
    if (m_initialised && status == m_lastStatus && nodes == m_lastNodes)
        return;
    m_initialised = true;
    m_lastStatus = status;
    m_lastNodes = nodes;

    m_summaryLabel->setText(summary());
    m_status->clear();
    if (status) {
        for (auto it = status->begin(); it != status->end(); ++it)
            new QTreeWidgetItem(m_status, {it.key(), textOf(it.value())});
    }
    m_status->setEnabled(bool(status));

    QStringList keys;
    for (const auto &column : knownColumns())
        keys.append(column.first);
    const QJsonArray list = nodes.value_or(QJsonArray());
    for (const QJsonValue &node : list) {
        for (const QString &key : node.toObject().keys()) {
            if (!keys.contains(key))
                keys.append(key);
        }
    }
    QStringList headers;
    for (const QString &key : keys) {
        QString header = key;
        for (const auto &column : knownColumns()) {
            if (column.first == key)
                header = column.second;
        }
        headers.append(header);
    }
    m_nodes->setColumnCount(int(keys.size()));
    m_nodes->setHorizontalHeaderLabels(headers);
    m_nodes->setRowCount(int(list.size()));
    for (int row = 0; row < list.size(); ++row) {
        const QJsonObject node = list.at(row).toObject();
        for (int column = 0; column < keys.size(); ++column) {
            auto *item = new QTableWidgetItem(textOf(node.value(keys[column])));
            if (node.value(keys[column]).isDouble())
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_nodes->setItem(row, column, item);
        }
    }
    m_nodes->setEnabled(bool(nodes));
}

QString NodesView::summary() const
{
    if (!m_lastStatus)
        return tr("relay not configured");
    const QString state = m_lastStatus->value(QStringLiteral("state")).toString();
    QString text = tr("relay %1").arg(state.isEmpty() ? tr("unknown") : state);
    if (m_lastNodes)
        text += tr(", %n node(s)", nullptr, int(m_lastNodes->size()));
    const QJsonValue lag = m_lastStatus->value(QStringLiteral("lagMaxMs"));
    if (lag.isDouble())
        text += tr(", lag max %1 ms").arg(qint64(lag.toDouble()));
    const QString error = m_lastStatus->value(QStringLiteral("lastError")).toString();
    if (!error.isEmpty())
        text += QStringLiteral(" (") + error + QLatin1Char(')');
    return text;
}

int NodesView::nodeCount() const
{
    return m_lastNodes ? int(m_lastNodes->size()) : 0;
}

} // namespace Herald
