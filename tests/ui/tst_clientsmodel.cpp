// The console's models and pure helpers without a server: snapshot diffs, the bounded event
// log, template variables and the wire view's rendering.

#include "clientsmodel.h"
#include "clientsproxymodel.h"
#include "eventlogmodel.h"
#include "templateexpander.h"
#include "wireview.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace Herald;

namespace {

ClientSnapshot client(quint64 id, quint64 events = 0, const QString &origin = {})
{
    ClientSnapshot c;
    c.info.id = id;
    c.info.remote = QStringLiteral("127.0.0.1:%1").arg(40000 + id);
    c.info.userAgent = QStringLiteral("agent-%1").arg(id);
    c.info.origin = origin;
    c.info.topics = {QStringLiteral("default")};
    c.info.connectedAt = QDateTime::currentDateTimeUtc();
    c.eventsSent = events;
    return c;
}

std::vector<ClientSnapshot> clients(std::initializer_list<quint64> ids)
{
    std::vector<ClientSnapshot> list;
    for (quint64 id : ids)
        list.push_back(client(id));
    return list;
}

QList<quint64> idsOf(const ClientsModel &model)
{
    QList<quint64> ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids.append(model.clientId(row));
    return ids;
}

QList<quint64> idsOf(const std::vector<ClientSnapshot> &list)
{
    QList<quint64> ids;
    for (const ClientSnapshot &c : list)
        ids.append(c.info.id);
    return ids;
}

EventPtr makeEvent(qint64 id, const QByteArray &data = "x")
{
    EventDraft draft;
    draft.data = data;
    return Event::make(id, draft, QDateTime::currentMSecsSinceEpoch());
}

std::vector<EventPtr> events(qint64 first, qint64 last)
{
    std::vector<EventPtr> list;
    for (qint64 id = first; id <= last; ++id)
        list.push_back(makeEvent(id));
    return list;
}

} // namespace

class tst_ClientsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void diff_data();
    void diff();
    void randomDiffsKeepTheModelConsistent();
    void massDepartureKeepsTheSelection();
    void countersAreDataChangedNotResets();
    void sortedAndFilteredProxy();
    void crowdedOrigins();
    void eventLogIsBounded();
    void eventLogSkipsWhatItHas();
    void templateVariables_data();
    void templateVariables();
    void wireViewShowsLineEnds();
};

void tst_ClientsModel::diff_data()
{
    using Ids = QList<quint64>;
    QTest::addColumn<Ids>("before");
    QTest::addColumn<Ids>("after");
    QTest::addColumn<int>("insertions"); // rowsInserted signals: one per run of new rows
    QTest::addColumn<int>("removals");

    QTest::newRow("first clients") << Ids{} << Ids{1, 2, 3} << 1 << 0;
    QTest::newRow("all leave") << Ids{1, 2, 3} << Ids{} << 0 << 1;
    QTest::newRow("new at the end") << Ids{1, 2} << Ids{1, 2, 3, 4} << 1 << 0;
    QTest::newRow("one leaves in the middle") << Ids{1, 2, 3} << Ids{1, 3} << 0 << 1;
    QTest::newRow("two runs leave") << Ids{1, 2, 3, 4, 5, 6} << Ids{1, 4, 6} << 0 << 2;
    QTest::newRow("come and go at once") << Ids{1, 2, 3} << Ids{2, 4, 5} << 1 << 2;
    QTest::newRow("insert before and between") << Ids{5, 10} << Ids{1, 2, 5, 7, 10, 11} << 3 << 0;
    QTest::newRow("replaced entirely") << Ids{1, 2} << Ids{3, 4} << 1 << 1;
    QTest::newRow("unchanged") << Ids{1, 2, 3} << Ids{1, 2, 3} << 0 << 0;
}

void tst_ClientsModel::diff()
{
    QFETCH(QList<quint64>, before);
    QFETCH(QList<quint64>, after);
    QFETCH(int, insertions);
    QFETCH(int, removals);

    ClientsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<ClientSnapshot> first;
    for (quint64 id : before)
        first.push_back(client(id));
    model.applySnapshot(first);
    QCOMPARE(idsOf(model), before);

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    std::vector<ClientSnapshot> second;
    for (quint64 id : after)
        second.push_back(client(id));
    model.applySnapshot(second);
    QCOMPARE(idsOf(model), after);
    QCOMPARE(inserted.size(), insertions);
    QCOMPARE(removed.size(), removals);
    QCOMPARE(reset.size(), 0);
}

void tst_ClientsModel::randomDiffsKeepTheModelConsistent()
{
    ClientsModel model;
    ClientsProxyModel proxy;
    proxy.setClientsModel(&model);
    proxy.sort(ClientsModel::EventsSentColumn, Qt::DescendingOrder);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy,
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);

    QSignalSpy bulk(&model, &QAbstractItemModel::layoutChanged);
    // A fixed seed, so a failure can be replayed.
    QRandomGenerator random(20240611);
    std::vector<ClientSnapshot> current;
    quint64 nextId = 1;
    for (int round = 0; round < 160; ++round) {
        std::vector<ClientSnapshot> next;
        // Now and then most clients leave at once, scattered (the bulk path).
        const int leaveOneIn = round % 37 == 36 ? 2 : 10;
        for (const ClientSnapshot &c : current) {
            if (random.bounded(leaveOneIn) == 0)
                continue; // gone
            ClientSnapshot moved = c;
            if (random.bounded(2))
                moved.eventsSent += random.bounded(5);
            next.push_back(moved);
        }
        const int arriving = random.bounded(round % 37 == 0 ? 150 : 6);
        for (int i = 0; i < arriving; ++i)
            next.push_back(client(nextId++, random.bounded(100)));
        current = next;
        model.applySnapshot(current);
        QCOMPARE(idsOf(model), idsOf(current));
        for (int row = 0; row < model.rowCount(); ++row) {
            QCOMPARE(
                model.data(model.index(row, ClientsModel::EventsSentColumn), ClientsModel::SortRole)
                    .toULongLong(),
                current[size_t(row)].eventsSent);
        }
        QCOMPARE(proxy.rowCount(), model.rowCount());
        for (int row = 1; row < proxy.rowCount(); ++row) {
            QVERIFY(proxy.index(row - 1, ClientsModel::EventsSentColumn)
                        .data(ClientsModel::SortRole)
                        .toULongLong()
                    >= proxy.index(row, ClientsModel::EventsSentColumn)
                           .data(ClientsModel::SortRole)
                           .toULongLong());
        }
    }

    // Mass departures, scattered over thousands of rows: one layout change each.
    for (int i = 0; i < 2000; ++i)
        current.push_back(client(nextId++, random.bounded(100)));
    model.applySnapshot(current);
    for (int round = 0; round < 6; ++round) {
        std::vector<ClientSnapshot> next;
        for (const ClientSnapshot &c : current) {
            if (random.bounded(2) == 0)
                continue;
            ClientSnapshot moved = c;
            moved.eventsSent += random.bounded(5);
            next.push_back(moved);
        }
        for (int i = 0; i < 300; ++i)
            next.push_back(client(nextId++, random.bounded(100)));
        current = next;
        model.applySnapshot(current);
        QCOMPARE(idsOf(model), idsOf(current));
        QCOMPARE(proxy.rowCount(), model.rowCount());
        for (int row = 1; row < proxy.rowCount(); ++row) {
            QVERIFY(proxy.index(row - 1, 0).data(ClientsModel::SortRole).isValid());
            QVERIFY(proxy.index(row - 1, ClientsModel::EventsSentColumn)
                        .data(ClientsModel::SortRole)
                        .toULongLong()
                    >= proxy.index(row, ClientsModel::EventsSentColumn)
                           .data(ClientsModel::SortRole)
                           .toULongLong());
        }
    }
    QVERIFY(!bulk.isEmpty());
}

void tst_ClientsModel::massDepartureKeepsTheSelection()
{
    ClientsModel model;
    ClientsProxyModel proxy;
    proxy.setClientsModel(&model);
    proxy.sort(ClientsModel::IdColumn, Qt::DescendingOrder);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy,
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QItemSelectionModel selection(&proxy);

    std::vector<ClientSnapshot> list;
    for (quint64 id = 1; id <= 3000; ++id)
        list.push_back(client(id));
    model.applySnapshot(list);
    auto select = [&](quint64 id) {
        const QModelIndex index = proxy.mapFromSource(model.index(model.rowOf(id), 0));
        selection.select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    };
    select(1500);
    select(2999);
    selection.setCurrentIndex(proxy.mapFromSource(model.index(model.rowOf(1500), 0)),
                              QItemSelectionModel::NoUpdate);

    // Every odd client leaves, and some new ones come: thousands of runs in one snapshot.
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy layout(&model, &QAbstractItemModel::layoutChanged);
    std::vector<ClientSnapshot> next;
    for (const ClientSnapshot &c : list) {
        if (c.info.id % 2 == 0)
            next.push_back(c);
    }
    next.push_back(client(5000));
    model.applySnapshot(next);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(layout.size(), 1);
    QCOMPARE(idsOf(model), idsOf(next));
    QCOMPARE(proxy.rowCount(), 1501);
    QCOMPARE(proxy.index(0, 0).data(ClientsModel::ClientIdRole).toULongLong(), 5000u);

    // 1500 stayed selected and current; 2999 left and with it its selection.
    const QModelIndexList rows = selection.selectedRows();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.first().data(ClientsModel::ClientIdRole).toULongLong(), 1500u);
    QCOMPARE(selection.currentIndex().data(ClientsModel::ClientIdRole).toULongLong(), 1500u);
}

void tst_ClientsModel::countersAreDataChangedNotResets()
{
    ClientsModel model;
    model.applySnapshot(clients({1, 2, 3, 4, 5}));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    std::vector<ClientSnapshot> next = clients({1, 2, 3, 4, 5});
    next[1].eventsSent = 5;
    next[3].bytesSent = 99;
    model.applySnapshot(next);

    // One signal over the changed rows, counter columns only, explicit roles.
    QCOMPARE(changed.size(), 1);
    const QModelIndex topLeft = changed[0][0].toModelIndex();
    const QModelIndex bottomRight = changed[0][1].toModelIndex();
    QCOMPARE(topLeft.row(), 1);
    QCOMPARE(bottomRight.row(), 3);
    QVERIFY(topLeft.column() > ClientsModel::IdColumn);
    const auto roles = changed[0][2].value<QList<int>>();
    QVERIFY(!roles.isEmpty());
    QVERIFY(roles.contains(Qt::DisplayRole));
    QVERIFY(!roles.contains(ClientsModel::FilterRole));
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(reset.size(), 0);

    // The same snapshot again changes nothing.
    changed.clear();
    model.applySnapshot(next);
    QCOMPARE(changed.size(), 0);
}

void tst_ClientsModel::sortedAndFilteredProxy()
{
    ClientsModel model;
    ClientsProxyModel proxy;
    proxy.setClientsModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

    std::vector<ClientSnapshot> list;
    for (quint64 id = 1; id <= 12; ++id)
        list.push_back(client(id, 100 - id));
    model.applySnapshot(list);

    // Numeric sort: 2 before 10, not after.
    proxy.sort(ClientsModel::IdColumn, Qt::AscendingOrder);
    QCOMPARE(proxy.index(1, 0).data(ClientsModel::ClientIdRole).toULongLong(), 2u);
    proxy.sort(ClientsModel::EventsSentColumn, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(ClientsModel::ClientIdRole).toULongLong(), 12u);
    // Equal counts keep id order.
    list[0].eventsSent = list[1].eventsSent = 0;
    model.applySnapshot(list);
    QCOMPARE(proxy.index(0, 0).data(ClientsModel::ClientIdRole).toULongLong(), 1u);
    QCOMPARE(proxy.index(1, 0).data(ClientsModel::ClientIdRole).toULongLong(), 2u);

    proxy.setFilterFixedString(QStringLiteral("AGENT-1"));
    QCOMPARE(proxy.rowCount(), 4); // agent-1, agent-10, agent-11, agent-12
    list.erase(list.begin() + 9); // client 10 leaves
    model.applySnapshot(list);
    QCOMPARE(proxy.rowCount(), 3);
}

void tst_ClientsModel::crowdedOrigins()
{
    ClientsModel model;
    QSignalSpy spy(&model, &ClientsModel::crowdedOriginsChanged);
    const QString origin = QStringLiteral("http://app.example");
    std::vector<ClientSnapshot> list;
    for (quint64 id = 1; id <= 5; ++id)
        list.push_back(client(id, 0, origin));
    list.push_back(client(6, 0, QStringLiteral("http://other.example")));
    model.applySnapshot(list);
    QVERIFY(model.crowdedOrigins().isEmpty()); // 5 is still fine
    QCOMPARE(spy.size(), 0);

    list.push_back(client(7, 0, origin));
    model.applySnapshot(list);
    QCOMPARE(model.crowdedOrigins().size(), 1);
    QVERIFY(model.crowdedOrigins().first().contains(origin));
    QCOMPARE(spy.size(), 1);

    list.erase(list.begin());
    model.applySnapshot(list);
    QVERIFY(model.crowdedOrigins().isEmpty());
    QCOMPARE(spy.size(), 2);
}

void tst_ClientsModel::eventLogIsBounded()
{
    EventLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(10);
    model.addEvents(events(1, 4));
    QCOMPARE(model.rowCount(), 4);
    model.addEvents(events(1, 12)); // overlaps what is shown; 5..12 are new
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.event(0)->id, 3);
    QCOMPARE(model.event(9)->id, 12);
    model.addEvents(events(100, 130)); // more than fits at once
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.event(0)->id, 121);
    model.setCapacity(3);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.event(0)->id, 128);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    model.addEvents(events(1, 2)); // a new node counts from 1 again
    QCOMPARE(model.rowCount(), 2);
}

void tst_ClientsModel::eventLogSkipsWhatItHas()
{
    EventLogModel model;
    model.addEvents(events(1, 5));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.addEvents(events(1, 5));
    QCOMPARE(inserted.size(), 0);
    const auto multiline = std::vector<EventPtr>{makeEvent(6, "a\r\nb\nc")};
    model.addEvents(multiline);
    QCOMPARE(inserted.size(), 1);
    const QString shown = model.index(5, EventLogModel::DataColumn).data().toString();
    QVERIFY2(!shown.contains(QLatin1Char('\n')), qPrintable(shown));
    QVERIFY(shown.startsWith(QLatin1Char('a')));
}

void tst_ClientsModel::templateVariables_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("pattern");

    QTest::newRow("counter and index") << "n={{counter}} i={{ index }}"
                                       << "^n=42 i=7$";
    QTest::newRow("topic") << "on {{topic}}"
                           << "^on news$";
    QTest::newRow("time") << "{{time}}"
                          << "^2024-06-11T10:20:30\\.040Z$";
    QTest::newRow("epoch ms") << "{{epochms}}"
                              << "^1718101230040$";
    QTest::newRow("uuid") << "{{uuid}}"
                          << "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
    QTest::newRow("random") << "{{random}}"
                            << "^[0-9]{1,6}$";
    QTest::newRow("unknown kept") << "{{nope}} {{counter}}"
                                  << "^\\{\\{nope\\}\\} 42$";
    QTest::newRow("no variables") << "plain {text}"
                                  << "^plain \\{text\\}$";
}

void tst_ClientsModel::templateVariables()
{
    QFETCH(QString, text);
    QFETCH(QString, pattern);
    TemplateExpander::Context context;
    context.counter = 42;
    context.index = 7;
    context.topic = QStringLiteral("news");
    context.now = QDateTime(QDate(2024, 6, 11), QTime(10, 20, 30, 40), Qt::UTC);
    const QString expanded = TemplateExpander::expand(text, context);
    QVERIFY2(QRegularExpression(pattern).match(expanded).hasMatch(), qPrintable(expanded));
}

void tst_ClientsModel::wireViewShowsLineEnds()
{
    QCOMPARE(WireView::visible("id: 1\r\ndata: x\n\n"),
             QStringLiteral("id: 1\\r\\n\ndata: x\\n\n\\n\n"));
    QCOMPARE(WireView::visible(QByteArray(": hb\x01\t", 6)), QStringLiteral(": hb\\x01\t"));
}

QTEST_MAIN(tst_ClientsModel)
#include "tst_clientsmodel.moc"
