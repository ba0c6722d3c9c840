// The text exposition writer and the self-metric vectors in fleet/metrics.h.
#include "fleet/core/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace fleet::metrics {
namespace {

TEST(FormatValue, Table) {
  const struct {
    double in;
    const char* want;
  } cases[] = {
      {0, "0"},
      {42, "42"},
      {-3, "-3"},
      {1.5, "1.5"},
      {0.1, "0.1"},
      {1e-9, "1e-09"},
      {1234567890123.0, "1234567890123"},
      {1e300, "1e+300"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatValue(c.in), c.want) << c.in;
}

TEST(WriteText, Table) {
  const struct {
    const char* name;
    std::vector<Family> in;
    const char* want;
  } cases[] = {
      {"counter without labels",
       {{"up_total", "Ups.", Type::kCounter, {{"", {}, 3}}}},
       "# HELP up_total Ups.\n# TYPE up_total counter\nup_total 3\n"},
      {"labels in given order",
       {{"g", "G.", Type::kGauge, {{"", {{"b", "1"}, {"a", "2"}}, 0.5}}}},
       "# HELP g G.\n# TYPE g gauge\ng{b=\"1\",a=\"2\"} 0.5\n"},
      {"label value escaping",
       {{"g", "G.", Type::kGauge, {{"", {{"v", "a\\b\"c\nd"}}, 1}}}},
       "# HELP g G.\n# TYPE g gauge\ng{v=\"a\\\\b\\\"c\\nd\"} 1\n"},
      {"escapes first, last and back to back",
       {{"g", "\\H\n", Type::kGauge, {{"", {{"v", "\"\\\n"}, {"w", ""}}, -2.5}}}},
       "# HELP g \\\\H\\n\n# TYPE g gauge\ng{v=\"\\\"\\\\\\n\",w=\"\"} -2.5\n"},
      {"help escaping keeps quotes",
       {{"g", "say \"hi\"\\\nbye", Type::kUntyped, {{"", {}, 1}}}},
       "# HELP g say \"hi\"\\\\\\nbye\n# TYPE g untyped\ng 1\n"},
      {"empty family skipped", {{"g", "G.", Type::kGauge, {}}}, ""},
      {"histogram suffixes",
       {{"h", "H.", Type::kHistogram,
         {{"_bucket", {{"le", "+Inf"}}, 2}, {"_sum", {}, 3}, {"_count", {}, 2}}}},
       "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"},
  };
  for (const auto& c : cases) {
    std::string out;
    WriteText(c.in, &out);
    EXPECT_EQ(out, c.want) << c.name;
  }
}

TEST(CounterVec, AddsPerLabelSetAndIgnoresNegative) {
  CounterVec c("sends_total", "Sends.", {"sink"});
  c.Add({"a"});
  c.Add({"a"}, 2);
  c.Add({"b"}, 5);
  c.Add({"b"}, -1);
  EXPECT_EQ(c.Value({"a"}), 3);
  EXPECT_EQ(c.Value({"b"}), 5);
  EXPECT_EQ(c.Value({"c"}), 0);
  Family f = c.Collect();
  EXPECT_EQ(f.type, Type::kCounter);
  ASSERT_EQ(f.samples.size(), 2u);
  EXPECT_EQ(f.samples[0].labels, (Labels{{"sink", "a"}}));
}

TEST(CounterVec, ConcurrentAddsAreNotLost) {
  CounterVec c("n_total", "N.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Add({});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value({}), 40000);
}

TEST(GaugeVec, SetAddRemove) {
  GaugeVec g("queue", "Q.", {"name"});
  g.Set({"x"}, 4);
  g.Add({"x"}, -1);
  g.Set({"y"}, 1);
  g.Remove({"y"});
  EXPECT_EQ(g.Value({"x"}), 3);
  Family f = g.Collect();
  ASSERT_EQ(f.samples.size(), 1u);
  EXPECT_EQ(f.samples[0].value, 3);
}

TEST(HistogramVec, CumulativeBucketsSumAndCount) {
  HistogramVec h("lat_seconds", "L.", {0.1, 1}, {"op"});
  h.Observe({"get"}, 0.05);
  h.Observe({"get"}, 0.1);  // on the bound: le is inclusive
  h.Observe({"get"}, 0.5);
  h.Observe({"get"}, 7);
  std::string out;
  WriteText({h.Collect()}, &out);
  EXPECT_EQ(out,
            "# HELP lat_seconds L.\n# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
            "lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{op=\"get\"} 7.65\n"
            "lat_seconds_count{op=\"get\"} 4\n");
}

}  // namespace
}  // namespace fleet::metrics
