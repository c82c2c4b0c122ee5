// Synthetic data, augmentation, the loader, and the WiderPerson / YOLO readers on tiny generated
// data sets.
#include "ttfnet/data/augment.h"
#include "ttfnet/data/data_yaml.h"
#include "ttfnet/data/file_datasets.h"
#include "ttfnet/data/loader.h"
#include "ttfnet/data/synthetic.h"

#include "test_util.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ttfnet {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

void write_png(const fs::path& p, int w, int h) {
    fs::create_directories(p.parent_path());
    std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 7);
    ASSERT_TRUE(stbi_write_png(p.string().c_str(), w, h, 3, px.data(), w * 3));
}

// Set DEADZONE_DUMP_SYNTHETIC=<dir> to write a few synthetic images (PPM, boxes drawn) to look at.
void maybe_dump(const Sample& s, int index) {
    const char* dir = std::getenv("DEADZONE_DUMP_SYNTHETIC");
    if (dir == nullptr) return;
    deadzone::RgbImage im = s.image;
    for (const Box& b : s.boxes) {
        const unsigned char color[3][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
        auto put = [&](int x, int y) {
            if (x < 0 || y < 0 || x >= im.width || y >= im.height) return;
            std::copy_n(color[b.cls], 3, &im.pixels[(static_cast<std::size_t>(y) * im.width + x) * 3]);
        };
        for (int x = static_cast<int>(b.x1); x < static_cast<int>(b.x2); ++x)
            put(x, static_cast<int>(b.y1)), put(x, static_cast<int>(b.y2) - 1);
        for (int y = static_cast<int>(b.y1); y < static_cast<int>(b.y2); ++y)
            put(static_cast<int>(b.x1), y), put(static_cast<int>(b.x2) - 1, y);
    }
    std::ofstream f(std::string(dir) + "/synthetic_" + std::to_string(index) + ".ppm", std::ios::binary);
    f << "P6\n" << im.width << " " << im.height << "\n255\n";
    f.write(reinterpret_cast<const char*>(im.pixels.data()), static_cast<std::streamsize>(im.pixels.size()));
}

TEST(SyntheticData, DeterministicExactAndVaried) {
    SyntheticDataset a(7, 40, 0, 160), b(7, 40, 0, 160), other(8, 40, 0, 160);
    int people = 0, cars = 0, signs = 0, asymmetric = 0, total = 0;
    for (std::size_t i = 0; i < 40; ++i) {
        const Sample s = a.get(i).value();
        const Sample t = b.get(i).value();
        ASSERT_EQ(s.image.pixels, t.image.pixels) << "same seed, same image";
        ASSERT_EQ(s.boxes.size(), t.boxes.size());
        maybe_dump(s, static_cast<int>(i));
        for (const Box& box : s.boxes) {
            ++total;
            EXPECT_GE(box.x1, 0);
            EXPECT_GE(box.y1, 0);
            EXPECT_LE(box.x2, s.image.width);
            EXPECT_LE(box.y2, s.image.height);
            EXPECT_GT(box.x2, box.x1);
            EXPECT_GT(box.y2, box.y1);
            if (box.cls == 0) ++people;
            if (box.cls == 1) ++cars;
            if (box.cls == 2) ++signs;
        }
    }
    EXPECT_GT(people, cars);
    EXPECT_GT(cars, 0);
    EXPECT_GT(signs, 0);
    EXPECT_GT(total, 100);
    EXPECT_NE(a.get(0).value().image.pixels, other.get(0).value().image.pixels) << "the seed changes the data";
    (void)asymmetric;
}

TEST(SyntheticData, KeptImagesEqualRedrawnOnesAndTheCacheKeepsItsBudget) {
    const SyntheticDataset drawn(3, 6, 10, 64, 0);
    // Room for about two 64 px images: the rest are redrawn every time.
    const SyntheticDataset kept(3, 6, 10, 64, 2 * 64 * 64 * 3);
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < 6; ++i) {
            const Sample a = drawn.get(i).value(), b = kept.get(i).value();
            EXPECT_EQ(a.image.pixels, b.image.pixels) << i;
            ASSERT_EQ(a.boxes.size(), b.boxes.size()) << i;
            for (std::size_t k = 0; k < a.boxes.size(); ++k) EXPECT_EQ(a.boxes[k].x2, b.boxes[k].x2);
        }
    // Something was kept, within the budget; nothing without one.
    EXPECT_GT(kept.cached_bytes(), 0);
    EXPECT_LE(kept.cached_bytes(), 2 * 64 * 64 * 3);
    EXPECT_EQ(drawn.cached_bytes(), 0);
    // Whatever a caller does with a returned sample, the kept one does not change.
    Sample changed = kept.get(0).value();
    changed.image.pixels.assign(changed.image.pixels.size(), 0);
    changed.boxes.clear();
    EXPECT_EQ(kept.get(0).value().image.pixels, drawn.get(0).value().image.pixels);
    EXPECT_EQ(kept.get(0).value().boxes.size(), drawn.get(0).value().boxes.size());
    EXPECT_FALSE(kept.get(6).ok());
}

TEST(SyntheticData, PeopleAreUprightAndBoxesAreTight) {
    SyntheticDataset d(3, 60, 0, 200);
    int upright = 0, people = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        const Sample s = d.get(i).value();
        for (const Box& b : s.boxes) {
            if (b.cls != 0 || b.x1 <= 0 || b.x2 >= s.image.width || b.y1 <= 0 || b.y2 >= s.image.height) continue;
            ++people;
            if (b.y2 - b.y1 > b.x2 - b.x1) ++upright;
        }
    }
    ASSERT_GT(people, 20);
    EXPECT_GT(upright, people * 7 / 10);
}

TEST(Augment, FlipMirrorsBoxesAndLetterboxMapsThem) {
    Sample s;
    s.image.width = 100;
    s.image.height = 50;
    s.image.pixels.assign(100 * 50 * 3, 200);
    s.boxes = {Box{10, 5, 30, 45, 0}};
    AugmentOptions none;
    none.enabled = false;
    std::mt19937_64 rng(1);
    const PreparedSample p = prepare_sample(s, 64, 64, none, rng);
    ASSERT_EQ(p.boxes.size(), 1u);
    // Scale 0.64, padded 16 px at top: (10,5,30,45) -> (6.4, 19.2, 19.2, 44.8).
    EXPECT_NEAR(p.boxes[0].x1, 6.4f, 1e-4);
    EXPECT_NEAR(p.boxes[0].y1, 16 + 3.2f, 1e-4);
    EXPECT_NEAR(p.boxes[0].x2, 19.2f, 1e-4);
    EXPECT_NEAR(p.boxes[0].y2, 16 + 28.8f, 1e-4);
    EXPECT_EQ(p.chw.size(), 3u * 64 * 64);

    AugmentOptions flip_only;
    flip_only.scale_min = flip_only.scale_max = 1.0f;
    bool saw_flip = false;
    for (int seed = 0; seed < 10; ++seed) {
        std::mt19937_64 r(static_cast<std::uint64_t>(seed));
        const PreparedSample q = prepare_sample(s, 64, 64, flip_only, r);
        ASSERT_EQ(q.boxes.size(), 1u);
        if (std::abs(q.boxes[0].x1 - (100 - 30) * 0.64f) < 1e-3f) {
            saw_flip = true;
            EXPECT_NEAR(q.boxes[0].x2, (100 - 10) * 0.64f, 1e-3);
        } else {
            EXPECT_NEAR(q.boxes[0].x1, 6.4f, 1e-3);
        }
    }
    EXPECT_TRUE(saw_flip);
}

TEST(Loader, SameSeedSameBatchesAndPositionsContinue) {
    auto data = std::make_shared<SyntheticDataset>(1, 10, 0, 64);
    LoaderOptions o;
    o.batch_size = 3;
    o.input_width = o.input_height = 64;
    o.targets.num_classes = 3;
    o.seed = 5;
    std::vector<torch::Tensor> first;
    std::int64_t position_after_two = 0;
    {
        BatchLoader l(data, o, 0);
        for (int i = 0; i < 4; ++i) {
            Batch b = l.next().value();
            first.push_back(b.images);
            if (i == 1) position_after_two = b.next_position;
        }
    }
    EXPECT_EQ(position_after_two, 6);
    BatchLoader again(data, o, position_after_two); // as a resumed run would
    EXPECT_TRUE(torch::equal(again.next().value().images, first[2]));
    EXPECT_TRUE(torch::equal(again.next().value().images, first[3]));

    // Made inline (no thread), the batches are the same, targets included.
    LoaderOptions inline_options = o;
    inline_options.mode = LoaderMode::Inline;
    BatchLoader in_caller(data, inline_options, 0);
    EXPECT_EQ(in_caller.mode(), LoaderMode::Inline);
    BatchLoader in_thread(data, o, 0);
    for (int i = 0; i < 4; ++i) {
        const Batch a = in_caller.next().value(), b = in_thread.next().value();
        EXPECT_TRUE(torch::equal(a.images, first[static_cast<std::size_t>(i)])) << i;
        EXPECT_TRUE(torch::equal(a.targets.heatmap, b.targets.heatmap)) << i;
        EXPECT_EQ(a.next_position, b.next_position);
    }
    // Auto: a thread only when cores are left over for it.
    EXPECT_EQ(resolve_loader_mode(LoaderMode::Auto, 1 << 20), LoaderMode::Inline);
    EXPECT_EQ(resolve_loader_mode(LoaderMode::Background, 1 << 20), LoaderMode::Background);
    EXPECT_EQ(resolve_loader_mode(LoaderMode::Auto, 0) == LoaderMode::Background, std::thread::hardware_concurrency() != 1);
}

TEST(Augment, CrowdRegionsMoveWithThePixelsAndTooSmallObjectsBecomeCrowd) {
    Sample s;
    s.image.width = 100;
    s.image.height = 50;
    s.image.pixels.assign(100 * 50 * 3, 200);
    s.boxes = {Box{10, 5, 30, 45, 0}, Box{60, 20, 62, 22, 0}}; // the second is 1.28 px at scale 0.64
    s.crowd = {Box{70, 10, 90, 40, 0}};
    AugmentOptions none;
    none.enabled = false;
    std::mt19937_64 rng(1);
    const PreparedSample p = prepare_sample(s, 64, 64, none, rng);
    ASSERT_EQ(p.boxes.size(), 1u);
    ASSERT_EQ(p.crowd.size(), 2u); // the tiny object is not learnt as background either
    EXPECT_NEAR(p.crowd[0].x1, 60 * 0.64f, 1e-4);
    EXPECT_NEAR(p.crowd[1].x1, 70 * 0.64f, 1e-4);
    EXPECT_NEAR(p.crowd[1].y2, 16 + 40 * 0.64f, 1e-4);

    AugmentOptions flip_only;
    flip_only.scale_min = flip_only.scale_max = 1.0f;
    for (int seed = 0; seed < 10; ++seed) {
        std::mt19937_64 r(static_cast<std::uint64_t>(seed));
        const PreparedSample q = prepare_sample(s, 64, 64, flip_only, r);
        ASSERT_EQ(q.crowd.size(), 2u);
        const bool flipped = std::abs(q.boxes[0].x1 - (100 - 30) * 0.64f) < 1e-3f;
        EXPECT_NEAR(q.crowd[1].x1, (flipped ? 100 - 90 : 70) * 0.64f, 1e-3) << seed;
    }
}

TEST(FileData, WiderPersonLayoutCrowdRegionsAndTheLabelAudit) {
    const fs::path root = testing::temp_dir("widerperson");
    for (const std::string id : {"000001", "000002", "000003"}) write_png(root / "Images" / (id + ".jpg"), 48, 40);
    write_text(root / "Annotations" / "000001.jpg.txt", "1\n1 4 4 20 36\n");
    write_text(root / "Annotations" / "000002.jpg.txt", "2\n2 10 5 30 35\n5 0 0 48 40\n");
    // An edited copy: the count says 3, a row has an unknown label, a box crosses the right edge.
    write_text(root / "Annotations" / "000003.jpg.txt", "3\n1 4 4 60 36\n9 1 1 5 5\n");
    write_text(root / "train.txt", "000001\n000002\n");
    write_text(root / "val.txt", "000003\n");
    auto split = open_dataset("widerperson:" + root.string(), {});
    ASSERT_TRUE(split.ok()) << split.error();
    EXPECT_EQ(split.value().train->size(), 2u);
    EXPECT_EQ(split.value().val->size(), 1u);
    const Sample s = split.value().train->get(1).value();
    EXPECT_EQ(s.image.width, 48);
    ASSERT_EQ(s.boxes.size(), 1u);
    EXPECT_EQ(s.boxes[0].x2, 30);
    ASSERT_EQ(s.crowd.size(), 1u); // label 5
    // The edited file keeps its good row, clipped to the image; the audit counts what was wrong.
    const Sample v = split.value().val->get(0).value();
    ASSERT_EQ(v.boxes.size(), 1u);
    EXPECT_EQ(v.boxes[0].x2, 48);
    const LabelAudit& a = split.value().audit;
    EXPECT_EQ(a.label_files, 3);
    EXPECT_EQ(a.objects, 3);
    EXPECT_EQ(a.crowd_regions, 1);
    EXPECT_EQ(a.dropped_rows, 1);
    EXPECT_EQ(a.files_with_dropped_rows, 1);
    EXPECT_EQ(a.count_mismatches, 1);
    ASSERT_EQ(a.messages.size(), 2u);
    EXPECT_NE(a.messages[1].find("000003.jpg.txt:3: label '9'"), std::string::npos) << a.messages[1];
    const deadzone::telemetry::DataInfo info = data_info(split.value());
    EXPECT_EQ(info.train_images, 2);
    EXPECT_EQ(info.dropped_label_rows, 1);
    EXPECT_EQ(info.count_mismatches, 1);
    std::ostringstream printed;
    print_label_audit(a, printed);
    EXPECT_NE(printed.str().find("1 row(s) dropped in 1 file(s)"), std::string::npos) << printed.str();

    auto missing = open_dataset("widerperson:" + (root / "nope").string(), {});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("nope"), std::string::npos);
}

TEST(FileData, YoloBadRowsAreDroppedAndCountedBadFilesSkippedAndNothingUsableIsAnError) {
    const fs::path root = testing::temp_dir("yolo");
    write_png(root / "images" / "a.png", 64, 64);
    write_png(root / "images" / "b.png", 64, 64);
    write_text(root / "images" / "broken.png", "this is not a png");
    write_text(root / "labels" / "a.txt", "0 0.5 0.5 0.5 0.5\n1 0.25 0.25 0.2 0.2\n");
    // A BOM and CRLF, a zero-width row, a row outside [0, 1] and a NaN: the good row is kept.
    write_text(root / "labels" / "b.txt",
               "\xEF\xBB\xBF"
               "0 0.5 0.5 0.5 0.25\r\n0 0.5 0.5 0 0.25\r\n0 1.5 0.5 0.5 0.25\r\n1 nan 0.5 0.1 0.1\r\n");
    DataOptions o;
    o.val_fraction = 0;
    auto split = open_dataset("yolo:" + root.string(), o);
    ASSERT_TRUE(split.ok()) << split.error();
    EXPECT_EQ(split.value().train->size(), 3u);
    EXPECT_EQ(split.value().train->num_classes(), 2);
    const Sample b = split.value().train->get(1).value();
    ASSERT_EQ(b.boxes.size(), 1u);
    EXPECT_NEAR(b.boxes[0].x1, 16, 1e-4);
    EXPECT_NEAR(b.boxes[0].y2, 40, 1e-4);
    const LabelAudit& audit = split.value().audit;
    EXPECT_EQ(audit.dropped_rows, 3);
    EXPECT_EQ(audit.files_with_dropped_rows, 1);
    EXPECT_EQ(audit.objects, 3);
    ASSERT_EQ(audit.messages.size(), 3u);
    EXPECT_NE(audit.messages[1].find("b.txt:3: value 1.5 outside [0, 1]"), std::string::npos) << audit.messages[1];

    LoaderOptions lo;
    lo.batch_size = 4;
    lo.input_width = lo.input_height = 64;
    lo.targets.num_classes = 2;
    lo.warn = false;
    BatchLoader loader(split.value().train, lo, 0);
    auto batch = loader.next();
    ASSERT_TRUE(batch.ok()) << batch.error();
    ASSERT_EQ(loader.skipped_files().size(), 1u);
    EXPECT_NE(loader.skipped_files()[0].find("broken.png"), std::string::npos);

    // Only unreadable images: a clear error, not a hang.
    const fs::path bad = testing::temp_dir("yolo_bad");
    write_text(bad / "images" / "x.jpg", "garbage");
    write_text(bad / "images" / "y.jpg", "garbage");
    auto bad_split = open_dataset("yolo:" + bad.string(), o);
    ASSERT_TRUE(bad_split.ok());
    BatchLoader bad_loader(bad_split.value().train, lo, 0);
    auto r = bad_loader.next();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("no usable image"), std::string::npos) << r.error();

    EXPECT_FALSE(open_dataset("yolo:" + (bad / "missing").string(), o).ok());
    EXPECT_FALSE(open_dataset("coco:/x", o).ok()); // no such annotations file
    EXPECT_FALSE(open_dataset("yolo:", o).ok());
}

TEST(FileData, CocoAnnotationsWithImagesBesideThemOrElsewhere) {
    const fs::path root = testing::temp_dir("coco");
    for (const char* name : {"a.png", "b.png", "c.png"}) write_png(root / "pics" / name, 40, 30);
    write_text(root / "ann" / "instances.json", R"({"images": [{"id": 11, "file_name": "a.png", "width": 40, "height": 30},
        {"id": 12, "file_name": "b.png"}, {"id": 13, "file_name": "c.png"}],
      "categories": [{"id": 18, "name": "dog"}, {"id": 1, "name": "person"}],
      "annotations": [{"image_id": 11, "category_id": 18, "bbox": [5, 5, 10, 10]},
                      {"image_id": 11, "category_id": 1, "bbox": [0, 0, 40, 30], "iscrowd": 1},
                      {"image_id": 12, "category_id": 7, "bbox": [1, 1, 2, 2]}]})");
    DataOptions o;
    o.val_fraction = 0;
    auto split = open_dataset("coco:" + (root / "ann" / "instances.json").string() + ":" + (root / "pics").string(), o);
    ASSERT_TRUE(split.ok()) << split.error();
    EXPECT_EQ(split.value().train->size(), 3u);
    EXPECT_EQ(split.value().train->class_names(), (std::vector<std::string>{"person", "dog"}));
    EXPECT_EQ(split.value().category_ids, (std::vector<std::int64_t>{1, 18}));
    const Sample a = split.value().train->get(0).value();
    EXPECT_EQ(a.image_id, 11);
    ASSERT_EQ(a.boxes.size(), 1u);
    EXPECT_EQ(a.boxes[0].cls, 1);
    EXPECT_EQ(a.boxes[0].x2, 15);
    ASSERT_EQ(a.crowd.size(), 1u);
    EXPECT_TRUE(split.value().train->get(1).value().boxes.empty()); // its one annotation was dropped
    // Without an images folder: the JSON's own folder, where the images are not.
    auto beside = open_dataset("coco:" + (root / "ann" / "instances.json").string(), o);
    ASSERT_TRUE(beside.ok()) << beside.error();
    EXPECT_FALSE(beside.value().train->get(0).ok());
    EXPECT_FALSE(open_dataset("coco:" + (root / "missing.json").string(), o).ok());
    EXPECT_FALSE(open_dataset("coco:", o).ok());
    write_text(root / "bad.json", "{\"images\": 3}");
    auto bad = open_dataset("coco:" + (root / "bad.json").string(), o);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("no `images` array"), std::string::npos) << bad.error();
}

TEST(FileData, ClassNamesFromAnUltralyticsDataYaml) {
    // The two forms Ultralytics writes, with comments and quotes; data.yaml wins over classes.txt.
    const fs::path root = testing::temp_dir("yolo_yaml");
    write_png(root / "images" / "a.png", 32, 32);
    write_text(root / "labels" / "a.txt", "2 0.5 0.5 0.5 0.5\n");
    write_text(root / "classes.txt", "x\ny\nz\n");
    write_text(root / "data.yaml", "# exported by a labelling tool\npath: ../datasets/street\ntrain: images\nnc: 3\n"
                                   "names: ['person', \"rider\", bicycle]  # three\n");
    DataOptions o;
    o.val_fraction = 0;
    auto split = open_dataset("yolo:" + root.string(), o);
    ASSERT_TRUE(split.ok()) << split.error();
    EXPECT_EQ(split.value().train->class_names(), (std::vector<std::string>{"person", "rider", "bicycle"}));
    write_text(root / "data.yaml", "names:\n  2: bicycle\n  0: person\n  1: rider\n");
    EXPECT_EQ(read_data_yaml_names((root / "data.yaml").string()).value(),
              (std::vector<std::string>{"person", "rider", "bicycle"}));

    // Bad files are errors that say what is wrong (and where, for syntax), never silently other names.
    auto error_of = [&](const std::string& text) {
        write_text(root / "data.yaml", text);
        auto r = open_dataset("yolo:" + root.string(), o);
        return r.ok() ? std::string("accepted") : r.error();
    };
    EXPECT_NE(error_of("names: [person, rider\nnc: 2\n").find("line"), std::string::npos);
    EXPECT_NE(error_of("nc: 3\n").find("no `names`"), std::string::npos);
    EXPECT_NE(error_of("names: person\n").find("list or a map"), std::string::npos);
    EXPECT_NE(error_of("names: {0: person, 2: bicycle}\n").find("1 is missing"), std::string::npos);
    EXPECT_NE(error_of("names: {zero: person}\n").find("not an integer"), std::string::npos);
    EXPECT_NE(error_of("nc: 2\nnames: [a, b, c]\n").find("nc is 2"), std::string::npos);
    EXPECT_NE(error_of("names: [a, [b], c]\n").find("names[1]"), std::string::npos);
}

} // namespace
} // namespace ttfnet
