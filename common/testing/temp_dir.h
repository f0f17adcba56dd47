// A fresh directory under $TMPDIR, removed with everything in it when the
// object is destroyed.
#ifndef RCP_COMMON_TESTING_TEMP_DIR_H_
#define RCP_COMMON_TESTING_TEMP_DIR_H_

#include <string>

namespace rcp::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path()/name
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace rcp::testing

#endif  // RCP_COMMON_TESTING_TEMP_DIR_H_
