// data: MNIST and the DataLoader.
export { mnist, parseIdx, type MnistData, type Idx } from "./mnist.js";
export { DataLoader, type Dataset, type DataLoaderOptions } from "./dataloader.js";
