#include <cstdio>

int main() {
  std::printf("cdc-agent %s\n", CDC_VERSION);
  return 0;
}
