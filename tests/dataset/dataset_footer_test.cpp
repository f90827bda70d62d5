// The dataset footer as one type: the keys barforge writes, in the order it
// writes them; what a reader takes from a file's key-value metadata; the
// barforge.part JSON; and the refusals, naming the file and the key.

#include "dataset/dataset_footer.h"

#include <gtest/gtest.h>

#include <string>

#include "barforge/error.h"

namespace barforge {
namespace {

TEST(DatasetFooter, WritesItsKeysInTheBuildsOrderAndLeavesAbsentOnesOut) {
  DatasetFooter footer;
  footer.part = "{}";
  footer.split = "train";
  footer.arrow_schema = "QVJST1c=";
  footer.scaler = "{\"window\":16}";
  footer.config = "window: 16\n";
  footer.seed = "42";
  footer.version = "0.1.0";
  const FooterKeyValues expected = {{"barforge.version", "0.1.0"},     {"barforge.seed", "42"},
                                    {"barforge.config", "window: 16\n"}, {"barforge.scaler", "{\"window\":16}"},
                                    {"ARROW:schema", "QVJST1c="},       {"barforge.split", "train"},
                                    {"barforge.part", "{}"}};
  EXPECT_EQ(footer.ToKeyValues(), expected);

  // transform --all's file: version, bars, scaler.
  DatasetFooter transform;
  transform.scaler = "{}";
  transform.bars = "data/raw_AAA.parquet";
  transform.version = "0.1.0";
  const FooterKeyValues transform_expected = {
      {"barforge.version", "0.1.0"}, {"barforge.bars", "data/raw_AAA.parquet"}, {"barforge.scaler", "{}"}};
  EXPECT_EQ(transform.ToKeyValues(), transform_expected);
}

TEST(DatasetFooter, ReadsWhatItWritesAndKeepsOtherKeys) {
  const FooterKeyValues file = {{"pandas", "{...}"},
                                {"barforge.version", "0.1.0"},
                                {"barforge.config", ""},
                                {"barforge.split", "valid"},
                                {"barforge.split", "a second value"},
                                {"other", "x"}};
  const DatasetFooter footer = DatasetFooter::FromKeyValues(file);
  EXPECT_EQ(footer.version, "0.1.0");
  EXPECT_EQ(footer.config, "") << "an empty value is present, not absent";
  EXPECT_EQ(footer.split, "valid") << "the first of a repeated key";
  EXPECT_FALSE(footer.seed.has_value());
  EXPECT_FALSE(footer.scaler.has_value());
  EXPECT_FALSE(footer.part.has_value());
  const FooterKeyValues others = {{"pandas", "{...}"}, {"other", "x"}};
  EXPECT_EQ(footer.others, others);
  const FooterKeyValues written = {{"barforge.version", "0.1.0"},
                                   {"barforge.config", ""},
                                   {"barforge.split", "valid"},
                                   {"pandas", "{...}"},
                                   {"other", "x"}};
  EXPECT_EQ(footer.ToKeyValues(), written);
}

TEST(DatasetFooter, ADatasetHasAConfig) {
  DatasetFooter footer;
  try {
    footer.RequireConfig("data/x.parquet");
    FAIL() << "no barforge.config accepted";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "data/x.parquet: not a barforge dataset (its footer has no barforge.config)");
  }
  footer.config = "window: 16\n";
  EXPECT_EQ(footer.RequireConfig("data/x.parquet"), "window: 16\n");
}

TEST(DatasetFooter, PartJsonRoundTrips) {
  const std::string json = DatasetFooter::PartJson({2, 3, 4000, 6000, 6000});
  EXPECT_EQ(json, R"({"part":2,"parts":3,"first_sample_id":4000,"end_sample_id":6000,"n_samples":6000})");
  DatasetFooter footer;
  footer.part = json;
  const PartInfo part = footer.Part("p.parquet");
  EXPECT_EQ(part.index, 2);
  EXPECT_EQ(part.count, 3);
  EXPECT_EQ(part.first_sample_id, 4000);
  EXPECT_EQ(part.end_sample_id, 6000);
  EXPECT_EQ(part.n_samples, 6000);
}

TEST(DatasetFooter, APartWithoutItsMetadataIsRefusedNamingTheKey) {
  DatasetFooter footer;
  const auto message = [&] {
    try {
      footer.Part("d/part-00000.parquet");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(), "d/part-00000.parquet: not a part of a distributed build: no 'barforge.part' metadata");
  footer.part = R"({"part":0,"parts":"3"})";
  EXPECT_EQ(message(), "d/part-00000.parquet: metadata 'barforge.part' has no integer 'parts'");
  footer.part = "not json";
  EXPECT_EQ(message(), "d/part-00000.parquet: metadata 'barforge.part' has no integer 'part'");
}

}  // namespace
}  // namespace barforge
