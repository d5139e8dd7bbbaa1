// The shape arithmetic of Caffe's Convolution, Deconvolution and Pooling layers, copied
// verbatim from BVLC/caffe, so that record.py can record what Caffe computes without Caffe.
//
// Source: https://github.com/BVLC/caffe at commit 9b891540183ddc834a02b2bd81b31afae71b2153
// (master, 2020-02-13, "Merge pull request #6878 ..."):
//   src/caffe/layers/base_conv_layer.cpp  lines 23-107, 116-141 (LayerSetUp), 202-211 (Reshape)
//   src/caffe/layers/conv_layer.cpp       lines 9-21  (ConvolutionLayer::compute_output_shape)
//   src/caffe/layers/deconv_layer.cpp     lines 9-21  (DeconvolutionLayer::compute_output_shape)
//   src/caffe/layers/pooling_layer.cpp    lines 16-76 (LayerSetUp), 82-120 (Reshape)
//   src/caffe/blob.cpp                    lines 31-32 (Blob::Reshape: CHECK_GE(shape[i], 0))
//   src/caffe/proto/caffe.proto           lines 592-615, 919-951 (defaults: bias_term true,
//                                         group 1, pool stride 1, pad 0, round_mode CEIL)
// Everything between "BEGIN VERBATIM" and "END VERBATIM" is the Caffe text unchanged; the
// rest is scaffolding (a glog-like CHECK that throws, and just enough of Blob and the
// protobuf parameter classes for the copied code to compile).
//
// Input (stdin), one case a line, space-separated key=value (the prototxt fields):
//   id=<id> kind=conv|deconv|pool axes=N,C,H[,W] [num_output=] [kernel_size=a[,b]]
//   [kernel_h= kernel_w=] [stride=] [pad=a[,b]] [pad_h= pad_w=] [dilation=] [group=]
//   [bias_term=0|1] [pool=MAX|AVE] [round_mode=CEIL|FLOOR]
// Output (stdout), one line a case:  <id>\tOK\t<C,H[,W]>\t<params>   or   <id>\tERR\t<text>
// Build: g++ -O1 -std=c++14 -o /tmp/caffe_record record.cpp
#include <algorithm>
#include <cmath>
#include <climits>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using std::ceil;
using std::floor;
using std::string;
using std::vector;

// ---- glog-like CHECKs: "Check failed: a < b (3 vs. 3) message", thrown, not aborted ----
struct Fatal {
  std::ostringstream s;
  ~Fatal() noexcept(false) { throw std::runtime_error(s.str()); }
  template <typename T> Fatal& operator<<(const T& v) { s << v; return *this; }
};
#define CHECK(c) for (bool ok_ = (c); !ok_; ok_ = true) Fatal() << "Check failed: " #c " "
#define CHECK_OP(a, b, op) \
  for (bool ok_ = ((a) op (b)); !ok_; ok_ = true) \
    Fatal() << "Check failed: " #a " " #op " " #b " (" << (a) << " vs. " << (b) << ") "
#define CHECK_EQ(a, b) CHECK_OP(a, b, ==)
#define CHECK_LT(a, b) CHECK_OP(a, b, <)
#define CHECK_LE(a, b) CHECK_OP(a, b, <=)
#define CHECK_GT(a, b) CHECK_OP(a, b, >)
#define CHECK_GE(a, b) CHECK_OP(a, b, >=)
#define LOG(level) Fatal()

// ---- just enough Blob ----
struct IntBlob {  // Blob<int> as used for kernel_shape_, stride_, pad_, dilation_
  vector<int> d;
  void Reshape(const vector<int>& shape) { d.assign(shape[0], 0); }
  const int* cpu_data() const { return d.data(); }
  int* mutable_cpu_data() { return d.data(); }
};
struct Blob {
  vector<int> shape_;
  int num_axes() const { return static_cast<int>(shape_.size()); }
  const vector<int>& shape() const { return shape_; }
  int shape(int i) const { return shape_[i]; }
  int CanonicalAxisIndex(int axis) const { return axis < 0 ? axis + num_axes() : axis; }
  int num() const { return shape_[0]; }
  int channels() const { return shape_[1]; }
  int height() const { return shape_[2]; }
  int width() const { return shape_[3]; }
  int count() const { int c = 1; for (int s : shape_) c *= s; return c; }
  // src/caffe/blob.cpp Blob<Dtype>::Reshape(const vector<int>& shape), the checks (l. 31-32)
  void Reshape(const vector<int>& shape) {
    for (int i = 0; i < shape.size(); ++i) {
      CHECK_GE(shape[i], 0);
    }
    shape_ = shape;
  }
  void Reshape(int n, int c, int h, int w) { Reshape(vector<int>{n, c, h, w}); }
};

// ---- just enough of the protobuf parameter classes (caffe.proto defaults) ----
struct ConvolutionParameter {
  int num_output_ = 0; bool has_bias_term_ = false; bool bias_term_ = true; int group_ = 1;
  vector<int> kernel_size_, stride_, pad_, dilation_;
  int num_output() const { return num_output_; }
  bool bias_term() const { return bias_term_; }
  int group() const { return group_; }
  bool force_nd_im2col() const { return false; }
  int axis() const { return 1; }
  bool has_kernel_h() const { return false; } bool has_kernel_w() const { return false; }
  bool has_stride_h() const { return false; } bool has_stride_w() const { return false; }
  bool has_pad_h() const { return false; } bool has_pad_w() const { return false; }
  int kernel_h() const { return 0; } int kernel_w() const { return 0; }
  int stride_h() const { return 0; } int stride_w() const { return 0; }
  int pad_h() const { return 0; } int pad_w() const { return 0; }
  int kernel_size_size() const { return kernel_size_.size(); }
  int kernel_size(int i) const { return kernel_size_[i]; }
  int stride_size() const { return stride_.size(); }
  int stride(int i) const { return stride_[i]; }
  int pad_size() const { return pad_.size(); }
  int pad(int i) const { return pad_[i]; }
  int dilation_size() const { return dilation_.size(); }
  int dilation(int i) const { return dilation_[i]; }
};
enum PoolingParameter_PoolMethod { PoolingParameter_PoolMethod_MAX = 0,
  PoolingParameter_PoolMethod_AVE = 1, PoolingParameter_PoolMethod_STOCHASTIC = 2 };
enum PoolingParameter_RoundMode { PoolingParameter_RoundMode_CEIL = 0,
  PoolingParameter_RoundMode_FLOOR = 1 };
struct Opt { bool has = false; int v = 0; };
struct PoolingParameter {
  PoolingParameter_PoolMethod pool_ = PoolingParameter_PoolMethod_MAX;
  Opt kernel_size_, kernel_h_, kernel_w_, pad_, pad_h_, pad_w_, stride_, stride_h_, stride_w_;
  PoolingParameter_RoundMode round_mode_ = PoolingParameter_RoundMode_CEIL;
  PoolingParameter_PoolMethod pool() const { return pool_; }
  bool global_pooling() const { return false; }
  PoolingParameter_RoundMode round_mode() const { return round_mode_; }
  bool has_kernel_size() const { return kernel_size_.has; }
  bool has_kernel_h() const { return kernel_h_.has; }
  bool has_kernel_w() const { return kernel_w_.has; }
  bool has_pad() const { return pad_.has; }
  bool has_pad_h() const { return pad_h_.has; }
  bool has_pad_w() const { return pad_w_.has; }
  bool has_stride() const { return stride_.has; }
  bool has_stride_h() const { return stride_h_.has; }
  bool has_stride_w() const { return stride_w_.has; }
  int kernel_size() const { return kernel_size_.v; }
  int kernel_h() const { return kernel_h_.v; }
  int kernel_w() const { return kernel_w_.v; }
  int pad() const { return pad_.has ? pad_.v : 0; }        // [default = 0]
  int pad_h() const { return pad_h_.has ? pad_h_.v : 0; }  // [default = 0]
  int pad_w() const { return pad_w_.has ? pad_w_.v : 0; }  // [default = 0]
  int stride() const { return stride_.has ? stride_.v : 1; }  // [default = 1]
  int stride_h() const { return stride_h_.v; }
  int stride_w() const { return stride_w_.v; }
};
struct LayerParameter {
  ConvolutionParameter conv;
  PoolingParameter pooling;
  const ConvolutionParameter& convolution_param() const { return conv; }
  const PoolingParameter& pooling_param() const { return pooling; }
};

// ---- Convolution / Deconvolution ----
struct ConvLayer {
  bool deconv;
  LayerParameter layer_param_;
  IntBlob kernel_shape_, stride_, pad_, dilation_;
  int num_spatial_axes_, channel_axis_, channels_, num_output_, group_;
  int conv_out_channels_, conv_in_channels_;
  bool bias_term_, force_nd_im2col_, is_1x1_;
  const vector<int>* bottom_shape_;
  vector<int> output_shape_;
  long params;
  bool reverse_dimensions() { return deconv; }
  int input_shape(int i) { return (*bottom_shape_)[channel_axis_ + i]; }

  void LayerSetUp(const vector<Blob*>& bottom) {
    ConvolutionParameter conv_param = this->layer_param_.convolution_param();
    force_nd_im2col_ = conv_param.force_nd_im2col();
    channel_axis_ = bottom[0]->CanonicalAxisIndex(conv_param.axis());
    const int first_spatial_axis = channel_axis_ + 1;
    const int num_axes = bottom[0]->num_axes();
    num_spatial_axes_ = num_axes - first_spatial_axis;
    CHECK_GE(num_spatial_axes_, 0);
    vector<int> spatial_dim_blob_shape(1, std::max(num_spatial_axes_, 1));
    // BEGIN VERBATIM base_conv_layer.cpp lines 23-107
  // Setup filter kernel dimensions (kernel_shape_).
  kernel_shape_.Reshape(spatial_dim_blob_shape);
  int* kernel_shape_data = kernel_shape_.mutable_cpu_data();
  if (conv_param.has_kernel_h() || conv_param.has_kernel_w()) {
    CHECK_EQ(num_spatial_axes_, 2)
        << "kernel_h & kernel_w can only be used for 2D convolution.";
    CHECK_EQ(0, conv_param.kernel_size_size())
        << "Either kernel_size or kernel_h/w should be specified; not both.";
    kernel_shape_data[0] = conv_param.kernel_h();
    kernel_shape_data[1] = conv_param.kernel_w();
  } else {
    const int num_kernel_dims = conv_param.kernel_size_size();
    CHECK(num_kernel_dims == 1 || num_kernel_dims == num_spatial_axes_)
        << "kernel_size must be specified once, or once per spatial dimension "
        << "(kernel_size specified " << num_kernel_dims << " times; "
        << num_spatial_axes_ << " spatial dims).";
      for (int i = 0; i < num_spatial_axes_; ++i) {
        kernel_shape_data[i] =
            conv_param.kernel_size((num_kernel_dims == 1) ? 0 : i);
      }
  }
  for (int i = 0; i < num_spatial_axes_; ++i) {
    CHECK_GT(kernel_shape_data[i], 0) << "Filter dimensions must be nonzero.";
  }
  // Setup stride dimensions (stride_).
  stride_.Reshape(spatial_dim_blob_shape);
  int* stride_data = stride_.mutable_cpu_data();
  if (conv_param.has_stride_h() || conv_param.has_stride_w()) {
    CHECK_EQ(num_spatial_axes_, 2)
        << "stride_h & stride_w can only be used for 2D convolution.";
    CHECK_EQ(0, conv_param.stride_size())
        << "Either stride or stride_h/w should be specified; not both.";
    stride_data[0] = conv_param.stride_h();
    stride_data[1] = conv_param.stride_w();
  } else {
    const int num_stride_dims = conv_param.stride_size();
    CHECK(num_stride_dims == 0 || num_stride_dims == 1 ||
          num_stride_dims == num_spatial_axes_)
        << "stride must be specified once, or once per spatial dimension "
        << "(stride specified " << num_stride_dims << " times; "
        << num_spatial_axes_ << " spatial dims).";
    const int kDefaultStride = 1;
    for (int i = 0; i < num_spatial_axes_; ++i) {
      stride_data[i] = (num_stride_dims == 0) ? kDefaultStride :
          conv_param.stride((num_stride_dims == 1) ? 0 : i);
      CHECK_GT(stride_data[i], 0) << "Stride dimensions must be nonzero.";
    }
  }
  // Setup pad dimensions (pad_).
  pad_.Reshape(spatial_dim_blob_shape);
  int* pad_data = pad_.mutable_cpu_data();
  if (conv_param.has_pad_h() || conv_param.has_pad_w()) {
    CHECK_EQ(num_spatial_axes_, 2)
        << "pad_h & pad_w can only be used for 2D convolution.";
    CHECK_EQ(0, conv_param.pad_size())
        << "Either pad or pad_h/w should be specified; not both.";
    pad_data[0] = conv_param.pad_h();
    pad_data[1] = conv_param.pad_w();
  } else {
    const int num_pad_dims = conv_param.pad_size();
    CHECK(num_pad_dims == 0 || num_pad_dims == 1 ||
          num_pad_dims == num_spatial_axes_)
        << "pad must be specified once, or once per spatial dimension "
        << "(pad specified " << num_pad_dims << " times; "
        << num_spatial_axes_ << " spatial dims).";
    const int kDefaultPad = 0;
    for (int i = 0; i < num_spatial_axes_; ++i) {
      pad_data[i] = (num_pad_dims == 0) ? kDefaultPad :
          conv_param.pad((num_pad_dims == 1) ? 0 : i);
    }
  }
  // Setup dilation dimensions (dilation_).
  dilation_.Reshape(spatial_dim_blob_shape);
  int* dilation_data = dilation_.mutable_cpu_data();
  const int num_dilation_dims = conv_param.dilation_size();
  CHECK(num_dilation_dims == 0 || num_dilation_dims == 1 ||
        num_dilation_dims == num_spatial_axes_)
      << "dilation must be specified once, or once per spatial dimension "
      << "(dilation specified " << num_dilation_dims << " times; "
      << num_spatial_axes_ << " spatial dims).";
  const int kDefaultDilation = 1;
  for (int i = 0; i < num_spatial_axes_; ++i) {
    dilation_data[i] = (num_dilation_dims == 0) ? kDefaultDilation :
                       conv_param.dilation((num_dilation_dims == 1) ? 0 : i);
  }
    // END VERBATIM
    // BEGIN VERBATIM base_conv_layer.cpp lines 116-141
  // Configure output channels and groups.
  channels_ = bottom[0]->shape(channel_axis_);
  num_output_ = this->layer_param_.convolution_param().num_output();
  CHECK_GT(num_output_, 0);
  group_ = this->layer_param_.convolution_param().group();
  CHECK_EQ(channels_ % group_, 0);
  CHECK_EQ(num_output_ % group_, 0)
      << "Number of output should be multiples of group.";
  if (reverse_dimensions()) {
    conv_out_channels_ = channels_;
    conv_in_channels_ = num_output_;
  } else {
    conv_out_channels_ = num_output_;
    conv_in_channels_ = channels_;
  }
  // Handle the parameters: weights and biases.
  // - blobs_[0] holds the filter weights
  // - blobs_[1] holds the biases (optional)
  vector<int> weight_shape(2);
  weight_shape[0] = conv_out_channels_;
  weight_shape[1] = conv_in_channels_ / group_;
  for (int i = 0; i < num_spatial_axes_; ++i) {
    weight_shape.push_back(kernel_shape_data[i]);
  }
  bias_term_ = this->layer_param_.convolution_param().bias_term();
  vector<int> bias_shape(bias_term_, num_output_);
    // END VERBATIM
    // params = elements of blobs_[0] (weight_shape) + blobs_[1] (bias_shape), l. 166, 172
    params = 1;
    for (int s : weight_shape) params *= s;
    for (int s : bias_shape) params += s;
  }

  void compute_output_shape() {
    if (deconv) { deconv_compute_output_shape(); } else { conv_compute_output_shape(); }
  }
  // ConvolutionLayer<Dtype>::compute_output_shape()
  void conv_compute_output_shape() {
    // BEGIN VERBATIM conv_layer.cpp lines 9-21
  const int* kernel_shape_data = this->kernel_shape_.cpu_data();
  const int* stride_data = this->stride_.cpu_data();
  const int* pad_data = this->pad_.cpu_data();
  const int* dilation_data = this->dilation_.cpu_data();
  this->output_shape_.clear();
  for (int i = 0; i < this->num_spatial_axes_; ++i) {
    // i + 1 to skip channel axis
    const int input_dim = this->input_shape(i + 1);
    const int kernel_extent = dilation_data[i] * (kernel_shape_data[i] - 1) + 1;
    const int output_dim = (input_dim + 2 * pad_data[i] - kernel_extent)
        / stride_data[i] + 1;
    this->output_shape_.push_back(output_dim);
  }
    // END VERBATIM
  }
  // DeconvolutionLayer<Dtype>::compute_output_shape()
  void deconv_compute_output_shape() {
    // BEGIN VERBATIM deconv_layer.cpp lines 9-21
  const int* kernel_shape_data = this->kernel_shape_.cpu_data();
  const int* stride_data = this->stride_.cpu_data();
  const int* pad_data = this->pad_.cpu_data();
  const int* dilation_data = this->dilation_.cpu_data();
  this->output_shape_.clear();
  for (int i = 0; i < this->num_spatial_axes_; ++i) {
    // i + 1 to skip channel axis
    const int input_dim = this->input_shape(i + 1);
    const int kernel_extent = dilation_data[i] * (kernel_shape_data[i] - 1) + 1;
    const int output_dim = stride_data[i] * (input_dim - 1)
        + kernel_extent - 2 * pad_data[i];
    this->output_shape_.push_back(output_dim);
  }
    // END VERBATIM
  }

  void Reshape(const vector<Blob*>& bottom, const vector<Blob*>& top) {
    bottom_shape_ = &bottom[0]->shape();
    // BEGIN VERBATIM base_conv_layer.cpp lines 202-211
  compute_output_shape();
  vector<int> top_shape(bottom[0]->shape().begin(),
      bottom[0]->shape().begin() + channel_axis_);
  top_shape.push_back(num_output_);
  for (int i = 0; i < num_spatial_axes_; ++i) {
    top_shape.push_back(output_shape_[i]);
  }
  for (int top_id = 0; top_id < top.size(); ++top_id) {
    top[top_id]->Reshape(top_shape);
  }
    // END VERBATIM
  }
};

// ---- Pooling ----
struct PoolingLayer {
  LayerParameter layer_param_;
  bool global_pooling_;
  PoolingParameter_RoundMode round_mode_;
  int kernel_h_, kernel_w_, pad_h_, pad_w_, stride_h_, stride_w_;
  int channels_, height_, width_, pooled_height_, pooled_width_;

  void LayerSetUp(const vector<Blob*>& bottom) {
    // BEGIN VERBATIM pooling_layer.cpp lines 16-76
  PoolingParameter pool_param = this->layer_param_.pooling_param();
  if (pool_param.global_pooling()) {
    CHECK(!(pool_param.has_kernel_size() ||
      pool_param.has_kernel_h() || pool_param.has_kernel_w()))
      << "With Global_pooling: true Filter size cannot specified";
  } else {
    CHECK(!pool_param.has_kernel_size() !=
      !(pool_param.has_kernel_h() && pool_param.has_kernel_w()))
      << "Filter size is kernel_size OR kernel_h and kernel_w; not both";
    CHECK(pool_param.has_kernel_size() ||
      (pool_param.has_kernel_h() && pool_param.has_kernel_w()))
      << "For non-square filters both kernel_h and kernel_w are required.";
  }
  CHECK((!pool_param.has_pad() && pool_param.has_pad_h()
      && pool_param.has_pad_w())
      || (!pool_param.has_pad_h() && !pool_param.has_pad_w()))
      << "pad is pad OR pad_h and pad_w are required.";
  CHECK((!pool_param.has_stride() && pool_param.has_stride_h()
      && pool_param.has_stride_w())
      || (!pool_param.has_stride_h() && !pool_param.has_stride_w()))
      << "Stride is stride OR stride_h and stride_w are required.";
  global_pooling_ = pool_param.global_pooling();
  round_mode_ = pool_param.round_mode();
  if (global_pooling_) {
    kernel_h_ = bottom[0]->height();
    kernel_w_ = bottom[0]->width();
  } else {
    if (pool_param.has_kernel_size()) {
      kernel_h_ = kernel_w_ = pool_param.kernel_size();
    } else {
      kernel_h_ = pool_param.kernel_h();
      kernel_w_ = pool_param.kernel_w();
    }
  }
  CHECK_GT(kernel_h_, 0) << "Filter dimensions cannot be zero.";
  CHECK_GT(kernel_w_, 0) << "Filter dimensions cannot be zero.";
  if (!pool_param.has_pad_h()) {
    pad_h_ = pad_w_ = pool_param.pad();
  } else {
    pad_h_ = pool_param.pad_h();
    pad_w_ = pool_param.pad_w();
  }
  if (!pool_param.has_stride_h()) {
    stride_h_ = stride_w_ = pool_param.stride();
  } else {
    stride_h_ = pool_param.stride_h();
    stride_w_ = pool_param.stride_w();
  }
  if (global_pooling_) {
    CHECK(pad_h_ == 0 && pad_w_ == 0 && stride_h_ == 1 && stride_w_ == 1)
      << "With Global_pooling: true; only pad = 0 and stride = 1";
  }
  if (pad_h_ != 0 || pad_w_ != 0) {
    CHECK(this->layer_param_.pooling_param().pool()
        == PoolingParameter_PoolMethod_AVE
        || this->layer_param_.pooling_param().pool()
        == PoolingParameter_PoolMethod_MAX)
        << "Padding implemented only for average and max pooling.";
    CHECK_LT(pad_h_, kernel_h_);
    CHECK_LT(pad_w_, kernel_w_);
  }
    // END VERBATIM
  }

  void Reshape(const vector<Blob*>& bottom, const vector<Blob*>& top) {
    // BEGIN VERBATIM pooling_layer.cpp lines 82-120
  CHECK_EQ(4, bottom[0]->num_axes()) << "Input must have 4 axes, "
      << "corresponding to (num, channels, height, width)";
  channels_ = bottom[0]->channels();
  height_ = bottom[0]->height();
  width_ = bottom[0]->width();
  if (global_pooling_) {
    kernel_h_ = bottom[0]->height();
    kernel_w_ = bottom[0]->width();
  }
  switch (round_mode_) {
  case PoolingParameter_RoundMode_CEIL:
    pooled_height_ = static_cast<int>(ceil(static_cast<float>(
        height_ + 2 * pad_h_ - kernel_h_) / stride_h_)) + 1;
    pooled_width_ = static_cast<int>(ceil(static_cast<float>(
        width_ + 2 * pad_w_ - kernel_w_) / stride_w_)) + 1;
    break;
  case PoolingParameter_RoundMode_FLOOR:
    pooled_height_ = static_cast<int>(floor(static_cast<float>(
        height_ + 2 * pad_h_ - kernel_h_) / stride_h_)) + 1;
    pooled_width_ = static_cast<int>(floor(static_cast<float>(
        width_ + 2 * pad_w_ - kernel_w_) / stride_w_)) + 1;
    break;
  default:
    LOG(FATAL) << "Unknown rounding mode.";
  }
  if (pad_h_ || pad_w_) {
    // If we have padding, ensure that the last pooling starts strictly
    // inside the image (instead of at the padding); otherwise clip the last.
    if ((pooled_height_ - 1) * stride_h_ >= height_ + pad_h_) {
      --pooled_height_;
    }
    if ((pooled_width_ - 1) * stride_w_ >= width_ + pad_w_) {
      --pooled_width_;
    }
    CHECK_LT((pooled_height_ - 1) * stride_h_, height_ + pad_h_);
    CHECK_LT((pooled_width_ - 1) * stride_w_, width_ + pad_w_);
  }
  top[0]->Reshape(bottom[0]->num(), channels_, pooled_height_,
      pooled_width_);
    // END VERBATIM
  }
};

// ---- driver ----
static vector<int> ints(const string& s) {
  vector<int> v; std::stringstream ss(s); string t;
  while (std::getline(ss, t, ',')) v.push_back(std::stoi(t));
  return v;
}

int main() {
  string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line); string tok, id, kind; vector<int> axes;
    LayerParameter p;
    while (ss >> tok) {
      size_t eq = tok.find('='); string k = tok.substr(0, eq), v = tok.substr(eq + 1);
      if (k == "id") id = v;
      else if (k == "kind") kind = v;
      else if (k == "axes") axes = ints(v);
      else if (k == "num_output") p.conv.num_output_ = std::stoi(v);
      else if (k == "bias_term") p.conv.bias_term_ = v == "1";
      else if (k == "group") p.conv.group_ = std::stoi(v);
      else if (k == "kernel_size") { p.conv.kernel_size_ = ints(v); p.pooling.kernel_size_ = {true, ints(v)[0]}; }
      else if (k == "stride") { p.conv.stride_ = ints(v); p.pooling.stride_ = {true, ints(v)[0]}; }
      else if (k == "pad") { p.conv.pad_ = ints(v); p.pooling.pad_ = {true, ints(v)[0]}; }
      else if (k == "dilation") p.conv.dilation_ = ints(v);
      else if (k == "kernel_h") p.pooling.kernel_h_ = {true, std::stoi(v)};
      else if (k == "kernel_w") p.pooling.kernel_w_ = {true, std::stoi(v)};
      else if (k == "pad_h") p.pooling.pad_h_ = {true, std::stoi(v)};
      else if (k == "pad_w") p.pooling.pad_w_ = {true, std::stoi(v)};
      else if (k == "pool") p.pooling.pool_ = v == "AVE" ? PoolingParameter_PoolMethod_AVE : PoolingParameter_PoolMethod_MAX;
      else if (k == "round_mode") p.pooling.round_mode_ = v == "FLOOR" ? PoolingParameter_RoundMode_FLOOR : PoolingParameter_RoundMode_CEIL;
      else { std::cerr << "unknown key " << k << "\n"; return 2; }
    }
    Blob bottom, top; bottom.shape_ = axes;
    vector<Blob*> bottoms{&bottom}, tops{&top};
    try {
      long params = 0;
      if (kind == "pool") {
        PoolingLayer l; l.layer_param_ = p;
        l.LayerSetUp(bottoms); l.Reshape(bottoms, tops);
      } else {
        ConvLayer l; l.deconv = kind == "deconv"; l.layer_param_ = p;
        l.LayerSetUp(bottoms); l.Reshape(bottoms, tops); params = l.params;
      }
      std::cout << id << "\tOK\t";
      for (int i = 1; i < top.num_axes(); ++i) std::cout << (i > 1 ? "," : "") << top.shape(i);
      std::cout << "\t" << params << "\n";
    } catch (const std::exception& e) {
      string m = e.what();
      while (!m.empty() && m.back() == ' ') m.pop_back();
      std::cout << id << "\tERR\t" << m << "\n";
    }
  }
  return 0;
}
