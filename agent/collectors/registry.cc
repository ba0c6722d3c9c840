// The host collector table: name, on by default, factory. Names are node_exporter's.
#include "agent/collectors/collectors.h"

namespace agent {

const std::vector<CollectorEntry>& HostCollectors() {
  static const std::vector<CollectorEntry> table = {
      {"cpu", true, NewCpuCollector},
      {"diskstats", true, NewDiskstatsCollector},
      {"filefd", true, NewFilefdCollector},
      {"filesystem", true, NewFilesystemCollector},
      {"loadavg", true, NewLoadavgCollector},
      {"meminfo", true, NewMeminfoCollector},
      {"netdev", true, NewNetdevCollector},
      {"netstat", true, NewNetstatCollector},
      {"os", true, NewOsCollector},
      {"pressure", true, NewPressureCollector},
      {"sockstat", true, NewSockstatCollector},
      {"stat", true, NewStatCollector},
      {"time", true, NewTimeCollector},
      {"uname", true, NewUnameCollector},
      {"vmstat", true, NewVmstatCollector},
  };
  return table;
}

}  // namespace agent
