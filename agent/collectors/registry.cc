// The host collector table: name, on by default, factory. Names are node_exporter's.
#include "agent/collectors/collectors.h"

namespace agent {

const std::vector<CollectorEntry>& HostCollectors() {
  static const std::vector<CollectorEntry> table = {
      {"arp", true, NewArpCollector},
      {"bonding", true, NewBondingCollector},
      {"conntrack", true, NewConntrackCollector},
      {"cpu", true, NewCpuCollector},
      {"cpufreq", true, NewCpufreqCollector},
      {"diskstats", true, NewDiskstatsCollector},
      {"dmi", true, NewDmiCollector},
      {"edac", true, NewEdacCollector},
      {"entropy", true, NewEntropyCollector},
      {"filefd", true, NewFilefdCollector},
      {"filesystem", true, NewFilesystemCollector},
      {"loadavg", true, NewLoadavgCollector},
      {"mdadm", true, NewMdadmCollector},
      {"meminfo", true, NewMeminfoCollector},
      {"netclass", true, NewNetclassCollector},
      {"netdev", true, NewNetdevCollector},
      {"netstat", true, NewNetstatCollector},
      {"nvme", true, NewNvmeCollector},
      {"os", true, NewOsCollector},
      {"pressure", true, NewPressureCollector},
      {"rapl", true, NewRaplCollector},
      {"schedstat", true, NewSchedstatCollector},
      {"sockstat", true, NewSockstatCollector},
      {"softnet", true, NewSoftnetCollector},
      {"stat", true, NewStatCollector},
      {"textfile", true, NewTextfileCollector},
      {"thermal_zone", true, NewThermalZoneCollector},
      {"time", true, NewTimeCollector},
      {"udp_queues", true, NewUdpQueuesCollector},
      {"uname", true, NewUnameCollector},
      {"vmstat", true, NewVmstatCollector},
  };
  return table;
}

}  // namespace agent
