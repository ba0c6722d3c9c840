// Factories of the host collectors; the table in registry.cc lists them by name.
#pragma once

#include <memory>

#include "agent/collector.h"

namespace agent {

std::unique_ptr<Collector> NewCpuCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewDiskstatsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewFilefdCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewFilesystemCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewLoadavgCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewMeminfoCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewNetdevCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewNetstatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewOsCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewPressureCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewSockstatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewStatCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewTimeCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewUnameCollector(const CollectorOptions& o);
std::unique_ptr<Collector> NewVmstatCollector(const CollectorOptions& o);

}  // namespace agent
