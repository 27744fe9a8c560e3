import struct,sys
p=sys.argv[1]
d=open(p,'rb').read()
units,frames=struct.unpack_from('<qi',d,len(d)-20)
ix=[struct.unpack_from('<q',d,len(d)-20-8*frames+8*f)[0] for f in range(frames)]
ix.append(len(d)-20-8*frames)
sizes=[ix[min(f+16,frames)]-ix[f] for f in range(0,frames,16)]
raw=sum(1 for f in range(frames) if d[ix[f]]==0)
print("frames",frames,"raw",raw,"batches",len(sizes),"max",max(sizes))
print(sizes)
m=0;grow=[]
for s in sizes:
    if s>m: grow.append(s); m=s
print("growths if one reader took all in order:",len(grow),grow)
