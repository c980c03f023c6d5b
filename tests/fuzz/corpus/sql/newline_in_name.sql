SELECT ```~Ÿÿ 
ÿÿÿþLECT q`ÿÿÿ