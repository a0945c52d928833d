// placeholder: the panel UI lands with its issue
export {};
