// JSON codec benchmark, libprotobuf 3.21 C++ side (bench/json/run.sh runs it interleaved with bench_json.c).
//
//   bench_json_cpp run <type> <file.jsonl> <rounds-of-the-corpus>
//   prints "<json2bin ns/msg> <bin2json ns/msg> <messages> <json bytes>"
//
// Uses protoc --cpp_out code for the catalog (run.sh generates it), as a C++ service would:
// json2bin = util::JsonStringToMessage + SerializeToString into a reused string, bin2json =
// ParseFromArray + util::MessageToJsonString, on one reused message (Clear() in between).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace pb = google::protobuf;

int main(int argc, char **argv) {
  if (argc < 5 || std::string(argv[1]) != "run") {
    std::fprintf(stderr, "usage: bench_json_cpp run <type> <file.jsonl> <rounds>\n");
    return 2;
  }
  int rounds = std::atoi(argv[4]);
  const pb::Descriptor *d = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(argv[2]);
  if (!d) {
    std::fprintf(stderr, "bench_json_cpp: no generated type %s\n", argv[2]);
    return 1;
  }
  std::unique_ptr<pb::Message> msg(pb::MessageFactory::generated_factory()->GetPrototype(d)->New());
  std::ifstream f(argv[3]);
  std::vector<std::string> json, bin;
  size_t bytes = 0;
  for (std::string l; std::getline(f, l);) {
    if (l.empty()) continue;
    bytes += l.size();
    msg->Clear();
    if (!pb::util::JsonStringToMessage(l, msg.get()).ok()) {
      std::fprintf(stderr, "bench_json_cpp: line %zu rejected\n", json.size() + 1);
      return 1;
    }
    json.push_back(l);
    bin.push_back(msg->SerializeAsString());
  }
  using clk = std::chrono::steady_clock;
  std::string out;
  auto t0 = clk::now();
  for (int r = 0; r < rounds; r++) {
    for (const auto &j : json) {
      msg->Clear();
      if (!pb::util::JsonStringToMessage(j, msg.get()).ok()) return 1;
      msg->SerializeToString(&out);
    }
  }
  auto t1 = clk::now();
  for (int r = 0; r < rounds; r++) {
    for (const auto &b : bin) {
      msg->Clear();
      if (!msg->ParseFromArray(b.data(), static_cast<int>(b.size()))) return 1;
      out.clear();
      if (!pb::util::MessageToJsonString(*msg, &out).ok()) return 1;
    }
  }
  auto t2 = clk::now();
  double n = static_cast<double>(json.size()) * rounds;
  std::printf("%.1f %.1f %zu %zu\n", std::chrono::duration<double, std::nano>(t1 - t0).count() / n,
              std::chrono::duration<double, std::nano>(t2 - t1).count() / n, json.size(), bytes);
  return 0;
}
