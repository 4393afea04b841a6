#pragma once

#include "scenario/clientselection.h"
#include "scenario/expectation.h"
#include "scenario/virtualclient.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <vector>

namespace Herald {

// One step of a scenario, as parsed from its file; only the fields of its kind are used.
struct ScenarioStep
{
    enum class Kind { Start, Publish, Fault, Wait, Expect };
    enum class Until {
        Time, // a fixed time ("ms")
        Connected, // every selected client has its stream open
        ClientCount, // the server counts `count` stream clients
        Received, // every selected client received at least `count` events
        CaughtUp, // every selected client that still runs has every event published so far
        Stopped, // every selected client stopped for good
        Opens, // every selected client opened its stream at least `count` times
        Background // every background publish and fault step is over
    };

    Kind kind = Kind::Wait;
    QString path; // "$.steps[3]", for messages
    QString label; // what it does, for the step log

    // Start
    int clients = 1;
    VirtualClient::Behaviour behaviour = VirtualClient::Behaviour::Good;
    QStringList topics;
    QString group;
    int ownDelayMs = 0;
    qint64 readBytesPerSecond = 1024;

    // Publish
    QString topic;
    QByteArray eventType;
    int count = 1;
    double rate = 0; // events per second; 0: as fast as the server answers
    int padBytes = 0;

    // Fault: the fault's own fields as POST /faults takes them, "clients" left out; the
    // streams it acts on are chosen at run time from `target`.
    QJsonObject fault;
    bool clientFault = true;
    int repeat = 1;
    int intervalMs = 1000;

    // Publish and Fault
    bool background = false;

    // Wait (and which clients Start/Fault/Wait act on)
    Until until = Until::Time;
    int ms = 0;
    int timeoutMs = 10000;
    bool required = false;
    ClientSelection target;

    // Expect
    std::vector<Expectation> checks;
};

} // namespace Herald
