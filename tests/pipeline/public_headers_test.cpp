// Every public header in one translation unit: a user may include them all,
// so no two may define the same name (the dataset reader's column kinds and
// the dataset layout's once did, each with other contents).

#include <gtest/gtest.h>

#include <type_traits>

#include "barforge/config.h"
#include "barforge/dataset_layout.h"
#include "barforge/dataset_reader.h"
#include "barforge/error.h"
#include "barforge/feature_transform.h"
#include "barforge/meta_features.h"
#include "barforge/parquet_reader.h"
#include "barforge/parquet_types.h"
#include "barforge/parquet_writer.h"
#include "barforge/pipeline.h"

namespace barforge {
namespace {

// What a column is in the layout (its role) and in a read (its stored value
// kind) are different things, with different names.
static_assert(!std::is_same_v<DatasetColumnKind, DatasetValueKind>);
static_assert(!std::is_same_v<DatasetColumn, DatasetColumnInfo>);

TEST(PublicHeaders, TheDefaultLayoutThroughEveryHeader) {
  const DatasetLayout layout = DatasetLayout::FromConfig(Config{});
  EXPECT_EQ(layout.window, 64);
  EXPECT_EQ(layout.horizon, 16);
}

}  // namespace
}  // namespace barforge
