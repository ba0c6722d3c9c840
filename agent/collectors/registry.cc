// The host collector table: name, on by default, factory. Names are node_exporter's.
#include "agent/collectors/collectors.h"

namespace agent {

const std::vector<CollectorEntry>& HostCollectors() {
  static const std::vector<CollectorEntry> table = {
      {"arp", true, NewArpCollector},
      {"bcache", true, NewBcacheCollector},
      {"bonding", true, NewBondingCollector},
      {"btrfs", true, NewBtrfsCollector},
      {"conntrack", true, NewConntrackCollector},
      {"cpu", true, NewCpuCollector},
      {"cpufreq", true, NewCpufreqCollector},
      {"diskstats", true, NewDiskstatsCollector},
      {"dmi", true, NewDmiCollector},
      {"edac", true, NewEdacCollector},
      {"entropy", true, NewEntropyCollector},
      {"fibrechannel", true, NewFibreChannelCollector},
      {"filefd", true, NewFilefdCollector},
      {"filesystem", true, NewFilesystemCollector},
      {"hwmon", true, NewHwmonCollector},
      {"infiniband", true, NewInfiniBandCollector},
      {"ipvs", true, NewIpvsCollector},
      {"loadavg", true, NewLoadavgCollector},
      {"mdadm", true, NewMdadmCollector},
      {"meminfo", true, NewMeminfoCollector},
      {"netclass", true, NewNetclassCollector},
      {"netdev", true, NewNetdevCollector},
      {"netstat", true, NewNetstatCollector},
      {"nfs", true, NewNfsCollector},
      {"nfsd", true, NewNfsdCollector},
      {"nvme", true, NewNvmeCollector},
      {"os", true, NewOsCollector},
      {"powersupplyclass", true, NewPowerSupplyClassCollector},
      {"pressure", true, NewPressureCollector},
      {"rapl", true, NewRaplCollector},
      {"schedstat", true, NewSchedstatCollector},
      {"selinux", true, NewSelinuxCollector},
      {"sockstat", true, NewSockstatCollector},
      {"softnet", true, NewSoftnetCollector},
      {"stat", true, NewStatCollector},
      {"tapestats", true, NewTapestatsCollector},
      {"textfile", true, NewTextfileCollector},
      {"thermal_zone", true, NewThermalZoneCollector},
      {"time", true, NewTimeCollector},
      {"timex", true, NewTimexCollector},
      {"udp_queues", true, NewUdpQueuesCollector},
      {"uname", true, NewUnameCollector},
      {"vmstat", true, NewVmstatCollector},
      {"xfs", true, NewXfsCollector},
      {"zfs", true, NewZfsCollector},
  };
  return table;
}

}  // namespace agent
