// Data sets read from disk.
//
// WiderPerson (http://www.cbsr.ia.ac.cn/users/sfzhang/WiderPerson/), as distributed:
//   <root>/Images/<id>.jpg
//   <root>/Annotations/<id>.jpg.txt   (also accepted: <id>.txt) read by core's widerperson_labels.h
//   <root>/train.txt, <root>/val.txt  one image id per line
// Labels 1-3 become class "person"; 4 (ignore region) and 5 (crowd) are crowd regions: not trained
// as objects nor as background (the heatmap loss ignores them), "don't care" when scored. Without
// val.txt, a val_fraction of train.txt is held out.
//
// YOLO: images with one text file each, "class cx cy w h" per line, normalised to [0, 1]:
//   <root>/images/<name>.jpg + <root>/labels/<name>.txt, or the split layout
//   <root>/images/{train,val}/... + <root>/labels/{train,val}/...
// COCO: coco:<annotations.json>[:<images dir>] (core's coco_annotations.h reads the file): file_name
// relative to the images folder (default: the folder holding the JSON); iscrowd regions become
// crowd regions; annotations core drops are reported once, counted, and the image keeps the rest.
// A val_fraction of the images is held out (every n-th in file order, as for YOLO folders).
//
// Label rows: every label file is read once when the data set is opened (LabelAudit: bad rows are
// listed with file:line and counted, and WiderPerson count rows that disagree with their rows); a bad
// row is dropped and the image keeps its other rows, both then and when the image is loaded. Boxes
// are clipped to the decoded image. A missing label file means "no objects" (the YOLO convention). Class names come from the
// `names` of <root>/data.yaml (or data.yml; data_yaml.h: a malformed one is an error), else <root>/classes.txt (one per line),
// otherwise class0..classN from the labels.
#pragma once

#include "ttfnet/data/dataset.h"

namespace ttfnet {

struct LabeledFile {
    std::string image_path;
    std::string label_path; // WiderPerson and YOLO: the label file; COCO: "" (labels are in memory)
    std::vector<Box> boxes; // COCO: the objects, read up front
    std::vector<Box> crowd; // COCO: the crowd regions
    std::int64_t image_id = -1;
};

enum class LabelFormat { WiderPerson, Yolo, Coco };

class FileDataset final : public Dataset {
public:
    FileDataset(std::vector<LabeledFile> files, LabelFormat format, std::vector<std::string> class_names);
    std::size_t size() const override { return files_.size(); }
    deadzone::Result<Sample> get(std::size_t index) const override;
    std::string describe(std::size_t index) const override { return files_[index].image_path; }
    std::vector<std::string> class_names() const override { return class_names_; }

private:
    std::vector<LabeledFile> files_;
    LabelFormat format_;
    std::vector<std::string> class_names_;
};

deadzone::Result<DatasetSplit> open_widerperson(const std::string& root, const DataOptions& options);
deadzone::Result<DatasetSplit> open_yolo(const std::string& root, const DataOptions& options);
// spec: "<annotations.json>" or "<annotations.json>:<images dir>".
deadzone::Result<DatasetSplit> open_coco(const std::string& spec, const DataOptions& options);

} // namespace ttfnet
