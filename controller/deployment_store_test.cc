#include "controller/deployment_store.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace controller {
namespace {

using ::testing::HasSubstr;

std::string Dir(const std::string& name) {
  std::string d = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::filesystem::remove_all(d);
  return d;
}

TEST(DeploymentStoreTest, SavesAndLoadsEveryDeploymentOldestFirst) {
  const std::string dir = Dir("store");
  ASSERT_OK_AND_ASSIGN(DeploymentStore store, DeploymentStore::Open(dir));
  ControllerDeployment a;
  a.set_context("ctx with 'quotes', /slashes/ and ünicode");
  a.set_created_micros(2);
  a.set_state(ControllerDeployment::COMPLETING);
  DeploymentMember* m = a.add_members();
  m->set_uuid("u1");
  m->set_commit_decided(true);
  ControllerDeployment b;
  b.set_context("b");
  b.set_created_micros(1);
  ASSERT_OK(store.Create(a));
  ASSERT_OK(store.Save(b));
  a.set_state(ControllerDeployment::COMPLETE);  // a later save replaces
  ASSERT_OK(store.Save(a));
  // A create is for a new deployment only.
  ControllerDeployment late = b;
  late.set_created_micros(5);
  EXPECT_THAT(store.Create(late), StatusIs(absl::StatusCode::kAlreadyExists,
                                           HasSubstr("already saved")));
  // An interrupted save's temporary file is ignored.
  std::ofstream(dir + "/" + DeploymentStore::FileName("c") + ".tmp") << "junk";
  // A new store over the same directory (a restarted controller).
  ASSERT_OK_AND_ASSIGN(DeploymentStore again, DeploymentStore::Open(dir));
  ASSERT_OK_AND_ASSIGN(std::vector<ControllerDeployment> all, again.LoadAll());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].context(), "b");
  EXPECT_EQ(all[1].context(), a.context());
  EXPECT_EQ(all[1].state(), ControllerDeployment::COMPLETE);
  EXPECT_TRUE(all[1].members(0).commit_decided());
}

TEST(DeploymentStoreTest, ACorruptFileIsAnErrorNotASilentLoss) {
  const std::string dir = Dir("corrupt");
  ASSERT_OK_AND_ASSIGN(DeploymentStore store, DeploymentStore::Open(dir));
  std::ofstream(dir + "/" + DeploymentStore::FileName("x")) << "state: {";
  EXPECT_THAT(store.LoadAll().status(), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace controller
}  // namespace sidecut
