#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QWidget>

#include <optional>

class QLabel;
class QTableWidget;
class QTreeWidget;

namespace Herald {

// The relay's state and the nodes of the deployment as the relay sees them (each with its
// clients, event rate and relay lag), or "relay not configured".
class NodesView : public QWidget
{
    Q_OBJECT

public:
    explicit NodesView(QWidget *parent = nullptr);

    void setRelay(const std::optional<QJsonObject> &status, const std::optional<QJsonArray> &nodes);
    // One line for the server bar: "relay not configured", "relay connected, 3 nodes", …
    QString summary() const;
    int nodeCount() const;

private:
    QLabel *m_summaryLabel;
    QTreeWidget *m_status;
    QTableWidget *m_nodes;
    std::optional<QJsonObject> m_lastStatus;
    std::optional<QJsonArray> m_lastNodes;
    bool m_initialised = false;
};

} // namespace Herald
