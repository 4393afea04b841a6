#pragma once

#include "node/nodehost.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QStringList>

#include <vector>

namespace Herald {

// The connected stream clients as a table, fed with snapshots. Each snapshot is applied as a
// diff: rows that came are inserted, rows that went are removed, changed counters are reported
// with dataChanged for the counter columns and explicit roles, so views and proxies keep their
// selection and scroll position and a table of 10,000 clients stays smooth.
class ClientsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        NodeColumn,
        RemoteColumn,
        UserAgentColumn,
        OriginColumn,
        TopicsColumn,
        ConnectedColumn,
        LastEventIdColumn,
        EventsSentColumn,
        BytesSentColumn,
        QueuedBytesColumn,
        StateColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // numbers for numeric columns, so sorting is numeric
        ClientIdRole,
        FilterRole // the client's identity (id, remote, agent, origin, topics, node) as text
    };

    // HTTP/1.1 browsers open at most 6 connections per host, EventSource streams included; one
    // Origin with more than this many streams is about to starve its own page.
    static constexpr int OriginStreamLimit = 5;

    explicit ClientsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void applySnapshot(const std::vector<ClientSnapshot> &clients);

    quint64 clientId(int row) const;
    int rowOf(quint64 clientId) const; // -1 if absent
    const ClientSnapshot *client(int row) const;

    // "origin (n streams)" for every Origin over OriginStreamLimit.
    QStringList crowdedOrigins() const { return m_crowded; }
    // Snapshots applied and rows reported changed, for the console benchmark.
    quint64 snapshotsApplied() const { return m_snapshotsApplied; }
    quint64 rowsChanged() const { return m_rowsChanged; }

Q_SIGNALS:
    void crowdedOriginsChanged(const QStringList &origins);

private:
    // Runs of departed rows times rows: above this, a snapshot is applied as one layout change
    // (at 10,000 rows, three separate runs already are).
    static constexpr qint64 BulkRemovalBudget = 20000;

    void applyAsLayoutChange(const std::vector<ClientSnapshot> &clients);
    void updateCrowdedOrigins();
    void countOrigin(const ClientSnapshot &client, int delta);
    void emitChanged(const std::vector<int> &rows);

    std::vector<ClientSnapshot> m_rows; // ascending id
    QHash<QString, int> m_originStreams;
    QStringList m_crowded;
    quint64 m_snapshotsApplied = 0;
    quint64 m_rowsChanged = 0;
};

} // namespace Herald
