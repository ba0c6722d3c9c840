// node_xfs_*{device} per mounted XFS filesystem, from /sys/fs/xfs/<device>/stats/stats, as
// node_exporter 1.5's xfs collector reads it through procfs' xfs.SysStats: extent allocation,
// the allocation and block-map B-trees, block mapping, directory and inode operations, read and
// write calls and vnodes (names from the XFS wiki's Runtime_Stats, as node_exporter names them).
// Values are the kernel's 32-bit counters; an exported line with the wrong number of values fails
// the scrape, as procfs fails it. Lines node_exporter does not export are not checked.
#include <algorithm>
#include <map>
#include <string_view>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

struct Counter {
  std::string_view line;  // the stats file's label
  size_t index;           // which value of it
  const char* metric;     // node_xfs_<metric>
  const char* help;
};

// Each exported line and the value counts procfs accepts for it.
const std::map<std::string_view, std::vector<size_t>> kLineSizes = {
    {"extent_alloc", {4}}, {"abt", {4}}, {"blk_map", {7}}, {"bmbt", {4}},
    {"dir", {4}},          {"ig", {7}},  {"rw", {2}},      {"vnodes", {7, 8}}};

constexpr Counter kCounters[] = {
    {"extent_alloc", 0, "extent_allocation_extents_allocated_total", "Number of extents allocated for a filesystem."},
    {"extent_alloc", 1, "extent_allocation_blocks_allocated_total", "Number of blocks allocated for a filesystem."},
    {"extent_alloc", 2, "extent_allocation_extents_freed_total", "Number of extents freed for a filesystem."},
    {"extent_alloc", 3, "extent_allocation_blocks_freed_total", "Number of blocks freed for a filesystem."},
    {"abt", 0, "allocation_btree_lookups_total", "Number of allocation B-tree lookups for a filesystem."},
    {"abt", 1, "allocation_btree_compares_total", "Number of allocation B-tree compares for a filesystem."},
    {"abt", 2, "allocation_btree_records_inserted_total", "Number of allocation B-tree records inserted for a filesystem."},
    {"abt", 3, "allocation_btree_records_deleted_total", "Number of allocation B-tree records deleted for a filesystem."},
    {"blk_map", 0, "block_mapping_reads_total", "Number of block map for read operations for a filesystem."},
    {"blk_map", 1, "block_mapping_writes_total", "Number of block map for write operations for a filesystem."},
    {"blk_map", 2, "block_mapping_unmaps_total", "Number of block unmaps (deletes) for a filesystem."},
    {"blk_map", 3, "block_mapping_extent_list_insertions_total", "Number of extent list insertions for a filesystem."},
    {"blk_map", 4, "block_mapping_extent_list_deletions_total", "Number of extent list deletions for a filesystem."},
    {"blk_map", 5, "block_mapping_extent_list_lookups_total", "Number of extent list lookups for a filesystem."},
    {"blk_map", 6, "block_mapping_extent_list_compares_total", "Number of extent list compares for a filesystem."},
    {"bmbt", 0, "block_map_btree_lookups_total", "Number of block map B-tree lookups for a filesystem."},
    {"bmbt", 1, "block_map_btree_compares_total", "Number of block map B-tree compares for a filesystem."},
    {"bmbt", 2, "block_map_btree_records_inserted_total", "Number of block map B-tree records inserted for a filesystem."},
    {"bmbt", 3, "block_map_btree_records_deleted_total", "Number of block map B-tree records deleted for a filesystem."},
    {"dir", 0, "directory_operation_lookup_total",
     "Number of file name directory lookups which miss the operating systems directory name lookup cache."},
    {"dir", 1, "directory_operation_create_total", "Number of times a new directory entry was created for a filesystem."},
    {"dir", 2, "directory_operation_remove_total",
     "Number of times an existing directory entry was created for a filesystem."},
    {"dir", 3, "directory_operation_getdents_total",
     "Number of times the directory getdents operation was performed for a filesystem."},
    {"ig", 0, "inode_operation_attempts_total", "Number of times the OS looked for an XFS inode in the inode cache."},
    {"ig", 1, "inode_operation_found_total",
     "Number of times the OS looked for and found an XFS inode in the inode cache."},
    {"ig", 2, "inode_operation_recycled_total",
     "Number of times the OS found an XFS inode in the cache, but could not use it as it was being recycled."},
    {"ig", 3, "inode_operation_missed_total",
     "Number of times the OS looked for an XFS inode in the cache, but did not find it."},
    {"ig", 4, "inode_operation_duplicates_total",
     "Number of times the OS tried to add a missing XFS inode to the inode cache, but found it had already been "
     "added by another process."},
    {"ig", 5, "inode_operation_reclaims_total",
     "Number of times the OS reclaimed an XFS inode from the inode cache to free memory for another purpose."},
    {"ig", 6, "inode_operation_attribute_changes_total",
     "Number of times the OS explicitly changed the attributes of an XFS inode."},
    {"rw", 1, "read_calls_total", "Number of read(2) system calls made to files in a filesystem."},
    {"rw", 0, "write_calls_total", "Number of write(2) system calls made to files in a filesystem."},
    {"vnodes", 0, "vnode_active_total", "Number of vnodes not on free lists for a filesystem."},
    {"vnodes", 1, "vnode_allocate_total", "Number of times vn_alloc called for a filesystem."},
    {"vnodes", 2, "vnode_get_total", "Number of times vn_get called for a filesystem."},
    {"vnodes", 3, "vnode_hold_total", "Number of times vn_hold called for a filesystem."},
    {"vnodes", 4, "vnode_release_total", "Number of times vn_rele called for a filesystem."},
    {"vnodes", 5, "vnode_reclaim_total", "Number of times vn_reclaim called for a filesystem."},
    {"vnodes", 6, "vnode_remove_total", "Number of times vn_remove called for a filesystem."},
};

// The exported lines of one stats file; absent lines count 0, as procfs leaves them.
fleet::Result<std::map<std::string_view, std::vector<uint64_t>>> ParseStats(std::string_view text) {
  std::map<std::string_view, std::vector<uint64_t>> lines;
  for (std::string_view line : Lines(text)) {
    const auto fields = Fields(line);
    if (fields.size() < 2) continue;
    const auto sizes = kLineSizes.find(fields[0]);
    if (sizes == kLineSizes.end()) continue;
    std::vector<uint64_t> values(fields.size() - 1);
    for (size_t i = 1; i < fields.size(); ++i) {
      if (!ParseU64(fields[i], &values[i - 1]) || values[i - 1] > UINT32_MAX) {
        return fleet::Status::Invalid("invalid value in XFS stats line " + std::string(fields[0]));
      }
    }
    if (std::find(sizes->second.begin(), sizes->second.end(), values.size()) == sizes->second.end()) {
      return fleet::Status::Invalid("incorrect number of values for XFS " + std::string(fields[0]) +
                                    " stats: " + std::to_string(values.size()));
    }
    lines[sizes->first] = std::move(values);
  }
  return lines;
}

class XfsCollector : public Collector {
 public:
  explicit XfsCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    const std::string root = paths_.Sys("fs/xfs/");
    std::vector<Family> families;
    for (const Counter& c : kCounters) families.push_back({std::string("node_xfs_") + c.metric, c.help, Type::kCounter, {}});
    for (const std::string& file : Glob(root + "*/stats/stats")) {
      const std::string device = file.substr(root.size(), file.size() - root.size() - std::string("/stats/stats").size());
      auto text = fleet::ReadKernelFile(file);
      if (!text.ok()) return text.status();
      auto lines = ParseStats(*text);
      if (!lines.ok()) return lines.status().WithContext(file);
      for (size_t i = 0; i < std::size(kCounters); ++i) {
        const auto line = lines->find(kCounters[i].line);
        const double value = line == lines->end() ? 0 : double(line->second[kCounters[i].index]);
        families[i].samples.push_back({"", {{"device", device}}, value});
      }
    }
    for (auto& f : families) out->push_back(std::move(f));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewXfsCollector(const CollectorOptions& o) { return std::make_unique<XfsCollector>(o.paths); }

}  // namespace agent
