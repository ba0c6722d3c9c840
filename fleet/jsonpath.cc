#include "fleet/jsonpath.h"

namespace fleet {

Json EvalJsonPath(const Json& root, const std::string& path) {
  const Json* cur = &root;
  size_t i = 0;
  while (i < path.size() && cur) {
    if (path[i] == '.') {
      std::string key;
      ++i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') {
        if (path[i] == '\\' && i + 1 < path.size()) ++i;
        key += path[i++];
      }
      cur = cur->is_object() && cur->contains(key) ? &(*cur)[key] : nullptr;
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) return nullptr;
      std::string inner = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (!cur->is_array()) return nullptr;
      if (inner.rfind("?(@.", 0) == 0 && inner.back() == ')') {
        // ?(@.key=="value")
        std::string expr = inner.substr(4, inner.size() - 5);
        size_t eq = expr.find("==");
        if (eq == std::string::npos) return nullptr;
        std::string key = expr.substr(0, eq);
        std::string want = expr.substr(eq + 2);
        if (want.size() >= 2 && (want.front() == '"' || want.front() == '\'')) {
          want = want.substr(1, want.size() - 2);
        }
        const Json* found = nullptr;
        for (const auto& item : *cur) {
          if (item.is_object() && item.contains(key) && item[key].is_string() &&
              item[key].get<std::string>() == want) {
            found = &item;
            break;
          }
        }
        cur = found;
      } else {
        size_t idx = 0;
        try {
          idx = std::stoul(inner);
        } catch (const std::exception&) {
          return nullptr;
        }
        cur = idx < cur->size() ? &(*cur)[idx] : nullptr;
      }
    } else {
      return nullptr;
    }
  }
  return cur ? *cur : Json();
}

}  // namespace fleet
