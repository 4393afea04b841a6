#pragma once

#include <QString>
#include <QStringList>

namespace Herald {

struct ClientLog;

// Which virtual clients a step or an expectation is about: all of them, one group, or some
// by name.
struct ClientSelection
{
    enum class Kind { All, Group, Names };
    Kind kind = Kind::All;
    QString group;
    QStringList names;

    bool matches(const ClientLog &log) const;
    // "all clients", "group bad", "clients a-1, a-2"
    QString describe() const;
};

} // namespace Herald
