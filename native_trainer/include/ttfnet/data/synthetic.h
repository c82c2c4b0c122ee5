// A deterministic procedural detection data set, generated in C++ from the seed.
//
// Each image: a textured background (smooth value noise, gradients, stripes or checks and pixel
// noise) with 1-14 objects of three classes painted over it:
//   0 person: upright (height/width 2-3.5): head, torso, legs and one arm held out to a random side,
//             so the box is asymmetric around the body and left/right edges must be learned apart;
//   1 car:    wide (width/height 1.4-3): body, cabin, two wheels;
//   2 sign:   a pole with a disc or diamond on top, roughly 1:2.
// Sizes are log-uniform from ~4% to ~60% of the image height; a third of the images contain a crowd
// (a row of overlapping people). Objects are painted in order, so later ones occlude earlier ones.
// Boxes are exact: the extent of the painted pixels of the whole object (amodal, like WiderPerson's
// full-body boxes); objects left less than 25% visible are dropped from the labels.
#pragma once

#include "ttfnet/data/dataset.h"

#include <memory>
#include <mutex>

namespace ttfnet {

//
// Drawing an image costs more than the rest of its trip to the model (about 9 ms at 320 px on one
// core), and a training run reads every image once per epoch, so drawn samples are kept, in the
// order they are first read, until cache_bytes of pixels are held; the others are drawn each time
// they are read. Samples depend only on (seed, index), so a kept one equals a redrawn one.
class SyntheticDataset final : public Dataset {
public:
    // Images index_offset .. index_offset+count-1 of the stream defined by seed, around base_size px.
    SyntheticDataset(std::uint64_t seed, std::size_t count, std::size_t index_offset, int base_size,
                     std::int64_t cache_bytes = 0);

    std::size_t size() const override { return count_; }
    deadzone::Result<Sample> get(std::size_t index) const override;
    std::string describe(std::size_t index) const override;
    std::vector<std::string> class_names() const override { return {"person", "car", "sign"}; }
    // Bytes of pixels kept so far (at most cache_bytes).
    std::int64_t cached_bytes() const;

private:
    Sample draw(std::size_t index) const;

    std::uint64_t seed_;
    std::size_t count_, offset_;
    int base_size_;
    // The cache: logically const (get() returns what draw() would), guarded for concurrent readers.
    mutable std::mutex cache_mutex_;
    mutable std::vector<std::shared_ptr<const Sample>> cache_; // by index; null: not kept
    const std::int64_t cache_capacity_;
    mutable std::int64_t cache_left_;
};

} // namespace ttfnet
