module realcal

go 1.19
